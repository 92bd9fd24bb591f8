package dev.lanes.kernel;

import static dev.lanes.kernel.GemmBlocking.VL;

/**
 * An elementwise activation with its forward and backward loops, on row blocks of row-major
 * {@code float[]} matrices. Forward computes {@code y = act(z + bias)}; backward turns dY into dZ
 * from what the forward kept: the output y where the derivative follows from it
 * ({@link #backwardUsesOutput()}: identity, ReLU, leaky ReLU, sigmoid, tanh), else the
 * pre-activation z + bias (GELU, SiLU, softplus).
 *
 * <p><b>Bits.</b> Every element goes through the same vector arithmetic, tails included (masked),
 * so a result does not depend on the element's position, the row length, the JIT tier or the
 * thread count; the GEMM epilogue ({@link Dense}) gives the same bits as GEMM then this pass.
 *
 * <p><b>Accuracy</b> (enforced by {@code ActivationTest} against double precision): identity, ReLU
 * and leaky ReLU are exact; sigmoid and tanh within 3 ulp, SiLU and softplus 4 ulp, GELU 16 ulp +
 * 1e−9 (for z < 0 it amplifies rounding by |2u|, 7 ulp measured at z = −1.85). Backward within
 * 2e−6·|dy|·max(1, |act'|): a derivative from the rounded output loses relative precision where it
 * is small, as in any framework that keeps y.
 *
 * <p><b>Special values.</b> NaN in gives NaN out (forward), and ±Inf gives the limit: ReLU/leaky
 * ReLU/identity/softplus/SiLU(+Inf) = +Inf, sigmoid(±Inf) = 1 / 0, tanh(±Inf) = ±1, SiLU(−Inf) and
 * GELU(−Inf) are NaN (−Inf·0, as in PyTorch). sigmoid is 0 for z < −88.7 (where the true value is
 * below 2^−128). Subnormal inputs are not flushed: sigmoid(d) = 0.5, tanh(d) = d, GELU(d) and
 * SiLU(d) = d/2, softplus(d) = ln 2. Backward: ReLU and leaky ReLU pass dy where y > 0, so NaN in
 * y gives 0 or slope·dy there; the others propagate NaN.
 */
public final class Activation {
  private enum Kind { IDENTITY, RELU, LEAKY_RELU, SIGMOID, TANH, GELU, SILU, SOFTPLUS }

  public static final Activation IDENTITY = new Activation(Kind.IDENTITY, 0f);
  public static final Activation RELU = new Activation(Kind.RELU, 0f);
  public static final Activation SIGMOID = new Activation(Kind.SIGMOID, 0f);
  public static final Activation TANH = new Activation(Kind.TANH, 0f);
  /** GELU in its tanh form: 0.5·z·(1 + tanh(√(2/π)·(z + 0.044715·z³))), PyTorch's "tanh" GELU. */
  public static final Activation GELU = new Activation(Kind.GELU, 0f);
  /** SiLU (swish): z·sigmoid(z). */
  public static final Activation SILU = new Activation(Kind.SILU, 0f);
  /** softplus: log(1 + e^z). */
  public static final Activation SOFTPLUS = new Activation(Kind.SOFTPLUS, 0f);


  private final Kind kind;
  private final float slope;

  private Activation(Kind kind, float slope) {
    this.kind = kind;
    this.slope = slope;
  }

  /** Leaky ReLU: z for z > 0, else slope·z; slope in [0, 1). */
  public static Activation leakyRelu(float slope) {
    if (!(slope >= 0f && slope < 1f)) {
      throw new IllegalArgumentException("leakyRelu: slope must be in [0, 1), got " + slope);
    }
    return new Activation(Kind.LEAKY_RELU, slope);
  }

  /**
   * The activation named {@code name} as {@link #toString()} writes it: identity, relu,
   * leaky_relu(0.01), sigmoid, tanh, gelu, silu, softplus.
   */
  public static Activation parse(String name) {
    String s = name.trim().toLowerCase(java.util.Locale.ROOT);
    if (s.startsWith("leaky_relu(") && s.endsWith(")")) {
      try {
        return leakyRelu(Float.parseFloat(s.substring("leaky_relu(".length(), s.length() - 1)));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("Activation: bad slope in '" + name + "'", e);
      }
    }
    for (Activation a : new Activation[] {IDENTITY, RELU, SIGMOID, TANH, GELU, SILU, SOFTPLUS}) {
      if (a.toString().equals(s)) {
        return a;
      }
    }
    throw new IllegalArgumentException("Activation: unknown '" + name
        + "'; known: identity, relu, leaky_relu(slope), sigmoid, tanh, gelu, silu, softplus");
  }

  /** The slope of leaky ReLU for z ≤ 0; 0 for the others. */
  public float slope() {
    return slope;
  }

  /** True if backward needs the output y; false if it needs the pre-activation z + bias. */
  public boolean backwardUsesOutput() {
    return kind.ordinal() <= Kind.TANH.ordinal();
  }

  @Override
  public String toString() {
    return kind == Kind.LEAKY_RELU ? "leaky_relu(" + slope + ")" : kind.name().toLowerCase(java.util.Locale.ROOT);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Activation a && a.kind == kind && Float.compare(a.slope, slope) == 0;
  }

  @Override
  public int hashCode() {
    return kind.hashCode() * 31 + Float.hashCode(slope);
  }

  // ---- forward ----------------------------------------------------------------------------------

  /**
   * {@code pre = z + bias; y = act(pre)} on an m×n block. z m×n; bias n (null: none); pre m×n
   * (null: not kept; may be z itself); y m×n (may be z itself).
   */
  public void forward(int m, int n, float[] z, int zOff, int ldz, float[] bias, int biasOff,
                      float[] pre, int preOff, int ldPre, float[] y, int yOff, int ldy) {
    String fn = "Activation.forward";
    Checks.size(fn, "m", m);
    Checks.size(fn, "n", n);
    Checks.matrix(fn, "z", z, zOff, ldz, m, n);
    if (bias != null) {
      Checks.span(fn, "bias", bias, biasOff, n);
    }
    if (pre != null) {
      Checks.matrix(fn, "pre", pre, preOff, ldPre, m, n);
    }
    Checks.matrix(fn, "y", y, yOff, ldy, m, n);
    forwardRows(m, n, z, zOff, ldz, bias, biasOff, pre, preOff, ldPre, y, yOff, ldy, Blocks.scratch());
  }

  /** {@link #forward} unchecked, block by block through scratch; the GEMM epilogue calls this. */
  void forwardRows(int m, int n, float[] z, int zOff, int ldz, float[] bias, int biasOff,
                   float[] pre, int preOff, int ldPre, float[] y, int yOff, int ldy, float[] scratch) {
    int cb = Blocks.cols(n);
    int rb = Blocks.rows(cb);
    for (int i = 0; i < m; i += rb) {
      int rows = Math.min(rb, m - i);
      for (int j = 0; j < n; j += cb) {
        int cols = Math.min(cb, n - j);
        forwardBlock(rows, cols, z, zOff + i * ldz + j, ldz, bias, biasOff + j,
            pre, pre == null ? 0 : preOff + i * ldPre + j, ldPre, y, yOff + i * ldy + j, ldy, scratch);
      }
    }
  }

  /** {@code y = act(z)} on n elements (y may be z). */
  public void forward(int n, float[] z, int zOff, float[] y, int yOff) {
    forward(n == 0 ? 0 : 1, n, z, zOff, Math.max(1, n), null, 0, null, 0, 1, y, yOff, Math.max(1, n));
  }

  /**
   * One block of at most {@link Blocks#CHUNK} staged floats, unchecked: z + bias is staged at
   * scratch[0], the result computed at scratch[CHUNK], then written to y.
   */
  void forwardBlock(int rows, int cols, float[] z, int zOff, int ldz, float[] bias, int biasOff,
                    float[] pre, int preOff, int ldPre, float[] y, int yOff, int ldy, float[] scratch) {
    if (kind.ordinal() <= Kind.LEAKY_RELU.ordinal() && pre == null) {
      // the cheap ones straight from z to y: no staging, whose fixed cost would be most of the work
      ActivationPasses.rectify(rows, cols, slope, kind == Kind.IDENTITY, z, zOff, ldz, bias, biasOff, y, yOff, ldy);
      return;
    }
    Blocks.stage(rows, cols, z, zOff, ldz, bias, biasOff, 0f, scratch, 0);
    if (pre != null) {
      Blocks.unstage(rows, cols, scratch, 0, pre, preOff, ldPre);
    }
    int len = rows * Blocks.width(cols);
    int a = 0, b = Blocks.CHUNK; // a: pre-activation, b: result
    switch (kind) {
      case IDENTITY -> b = a;
      case RELU -> ActivationPasses.relu(len, scratch, a, b);
      case LEAKY_RELU -> ActivationPasses.leakyRelu(len, slope, scratch, a, b);
      case SIGMOID -> {
        VectorMath.exp(len, false, -1f, 0f, false, scratch, a, scratch, b);
        ActivationPasses.reciprocalOnePlus(len, scratch, b);
      }
      case TANH -> {
        VectorMath.exp(len, true, -2f, 0f, true, scratch, a, scratch, b);
        ActivationPasses.tanhFromExpm1(len, scratch, a, b);
      }
      case GELU -> {
        ActivationPasses.geluMinus2u(len, scratch, a, b);
        VectorMath.exp(len, false, 1f, 0f, false, scratch, b, scratch, b);
        ActivationPasses.divideOnePlus(len, scratch, a, b);
      }
      case SILU -> {
        VectorMath.exp(len, false, -1f, 0f, false, scratch, a, scratch, b);
        ActivationPasses.divideOnePlus(len, scratch, a, b);
      }
      case SOFTPLUS -> {
        VectorMath.exp(len, true, -1f, 0f, false, scratch, a, scratch, b);
        VectorMath.log1p(len, scratch, b, scratch, b);
        ActivationPasses.addPositivePart(len, scratch, a, b);
      }
    }
    Blocks.unstage(rows, cols, scratch, b, y, yOff, ldy);
  }

  // ---- backward ---------------------------------------------------------------------------------

  /**
   * {@code dz = dy ⊙ act'(·)} on an m×n block, and {@code biasGrad[j] = Σ_i dz[i][j]} (rows summed
   * in order) in the same pass. dy m×n; saved m×n: y if {@link #backwardUsesOutput()} else the
   * pre-activation; dz m×n (may be dy itself); biasGrad n (null: not wanted; overwritten).
   */
  public void backward(int m, int n, float[] dy, int dyOff, int lddy, float[] saved, int savedOff, int ldSaved,
                       float[] dz, int dzOff, int lddz, float[] biasGrad, int biasGradOff) {
    checkBackward(m, n, dy, dyOff, lddy, saved, savedOff, ldSaved, dz, dzOff, lddz, biasGrad, biasGradOff);
    backwardColumns(m, 0, n, dy, dyOff, lddy, saved, savedOff, ldSaved, dz, dzOff, lddz, biasGrad, biasGradOff);
  }

  /**
   * {@link #backward(int, int, float[], int, int, float[], int, int, float[], int, int, float[], int)
   * backward} with the columns shared among the workers of pool (the caller alone for null or a
   * block under {@link #MIN_BACKWARD_PER_WORKER} elements per worker). An element's arithmetic does
   * not depend on its position and each column's rows are summed in order, so the bits are the same.
   */
  public void backward(WorkerPool pool, int m, int n, float[] dy, int dyOff, int lddy, float[] saved, int savedOff,
                       int ldSaved, float[] dz, int dzOff, int lddz, float[] biasGrad, int biasGradOff) {
    checkBackward(m, n, dy, dyOff, lddy, saved, savedOff, ldSaved, dz, dzOff, lddz, biasGrad, biasGradOff);
    int workers = pool == null ? 1 : (int) Math.min(Math.min(pool.size(), (n + VL - 1) / VL),
        (long) m * n / MIN_BACKWARD_PER_WORKER);
    if (workers <= 1) {
      backwardColumns(m, 0, n, dy, dyOff, lddy, saved, savedOff, ldSaved, dz, dzOff, lddz, biasGrad, biasGradOff);
    } else {
      pool.activationBackward.execute(pool, workers, this, m, n, dy, dyOff, lddy, saved, savedOff, ldSaved,
          dz, dzOff, lddz, biasGrad, biasGradOff);
    }
  }

  private static void checkBackward(int m, int n, float[] dy, int dyOff, int lddy, float[] saved, int savedOff,
                                    int ldSaved, float[] dz, int dzOff, int lddz, float[] biasGrad, int biasGradOff) {
    String fn = "Activation.backward";
    Checks.size(fn, "m", m);
    Checks.size(fn, "n", n);
    Checks.matrix(fn, "dy", dy, dyOff, lddy, m, n);
    Checks.matrix(fn, "saved", saved, savedOff, ldSaved, m, n);
    Checks.matrix(fn, "dz", dz, dzOff, lddz, m, n);
    if (biasGrad != null) {
      Checks.span(fn, "biasGrad", biasGrad, biasGradOff, n);
    }
  }

  /** Elements of a backward pass per worker before it is split across a pool. */
  static final int MIN_BACKWARD_PER_WORKER = 1 << 15;

  /** backward on columns [from, to) of the m×n block (arguments checked). */
  void backwardColumns(int m, int from, int to, float[] dy, int dyOff, int lddy, float[] saved, int savedOff,
                       int ldSaved, float[] dz, int dzOff, int lddz, float[] biasGrad, int biasGradOff) {
    if (biasGrad != null) {
      java.util.Arrays.fill(biasGrad, biasGradOff + from, biasGradOff + to, 0f);
    }
    if (backwardUsesOutput()) { // whole vectors straight on the matrices; the rest staged below
      int op = switch (kind) {
        case RELU, LEAKY_RELU -> ActivationPasses.RECTIFIER;
        case SIGMOID -> ActivationPasses.SIGMOID;
        case TANH -> ActivationPasses.TANH;
        default -> ActivationPasses.IDENTITY;
      };
      int direct = from + (to - from) / VL * VL;
      ActivationPasses.onOutput(op, slope, m, from, direct, dy, dyOff, lddy, saved, savedOff, ldSaved,
          dz, dzOff, lddz, biasGrad, biasGradOff);
      from = direct;
    }
    float[] scratch = Blocks.scratch();
    int cb = Blocks.cols(to - from);
    int rb = Blocks.rows(cb);
    for (int i = 0; i < m && from < to; i += rb) {
      int rows = Math.min(rb, m - i);
      for (int j = from; j < to; j += cb) {
        int cols = Math.min(cb, to - j);
        int out = backwardBlock(rows, cols, dy, dyOff + i * lddy + j, lddy, saved, savedOff + i * ldSaved + j,
            ldSaved, scratch);
        Blocks.unstage(rows, cols, scratch, out, dz, dzOff + i * lddz + j, lddz);
        if (biasGrad != null) {
          Blocks.addRows(rows, cols, scratch, out, biasGrad, biasGradOff + j);
        }
      }
    }
  }

  /** {@code dz = dy ⊙ act'(·)} on n elements (dz may be dy). */
  public void backward(int n, float[] dy, int dyOff, float[] saved, int savedOff, float[] dz, int dzOff) {
    int ld = Math.max(1, n);
    backward(n == 0 ? 0 : 1, n, dy, dyOff, ld, saved, savedOff, ld, dz, dzOff, ld, null, 0);
  }

  /** Stages one block of saved (at 0) and dy (at CHUNK); returns where dz was computed. */
  private int backwardBlock(int rows, int cols, float[] dy, int dyOff, int lddy, float[] saved, int savedOff,
                            int ldSaved, float[] scratch) {
    int s = 0, d = Blocks.CHUNK, out = 2 * Blocks.CHUNK;
    Blocks.stage(rows, cols, saved, savedOff, ldSaved, null, 0, 0f, scratch, s);
    Blocks.stage(rows, cols, dy, dyOff, lddy, null, 0, 0f, scratch, d);
    int len = rows * Blocks.width(cols);
    switch (kind) {
      case IDENTITY -> out = d;
      case RELU -> ActivationPasses.reluBackward(len, 0f, scratch, s, d, out);
      case LEAKY_RELU -> ActivationPasses.reluBackward(len, slope, scratch, s, d, out);
      case SIGMOID -> ActivationPasses.sigmoidBackward(len, scratch, s, d, out);
      case TANH -> ActivationPasses.tanhBackward(len, scratch, s, d, out);
      case GELU -> {
        ActivationPasses.geluMinus2u(len, scratch, s, out);
        VectorMath.exp(len, false, 1f, 0f, false, scratch, out, scratch, out);
        ActivationPasses.geluBackward(len, scratch, s, d, out);
      }
      case SILU -> {
        VectorMath.exp(len, false, -1f, 0f, false, scratch, s, scratch, out);
        ActivationPasses.siluBackward(len, scratch, s, d, out);
      }
      case SOFTPLUS -> {
        VectorMath.exp(len, false, -1f, 0f, false, scratch, s, scratch, out);
        ActivationPasses.divideByOnePlus(len, scratch, d, out);
      }
    }
    return out;
  }
}
