package dev.lanes.kernel;

import static dev.lanes.kernel.GemmBlocking.SPECIES;
import static dev.lanes.kernel.GemmBlocking.VL;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

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
 * below 2^−128). Backward: ReLU and leaky ReLU pass dy where y > 0, so NaN in y gives 0 or
 * slope·dy there; the others propagate NaN.
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

  /** √(2/π) and 2·√(2/π)·0.044715, for GELU. */
  private static final float GELU_C = (float) Math.sqrt(2 / Math.PI);
  private static final float GELU_A = 0.044715f;

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
      Checks.vector(fn, "bias", bias, biasOff, n);
    }
    if (pre != null) {
      Checks.matrix(fn, "pre", pre, preOff, ldPre, m, n);
    }
    Checks.matrix(fn, "y", y, yOff, ldy, m, n);
    for (int i = 0; i < m; i++) {
      forwardRow(n, z, zOff + i * ldz, bias, biasOff, pre, pre == null ? 0 : preOff + i * ldPre, y, yOff + i * ldy);
    }
  }

  /** {@code y = act(z)} on n elements (y may be z). */
  public void forward(int n, float[] z, int zOff, float[] y, int yOff) {
    forward(n == 0 ? 0 : 1, n, z, zOff, Math.max(1, n), null, 0, null, 0, 1, y, yOff, Math.max(1, n));
  }

  /** One row, unchecked: the GEMM epilogue calls this on each tile row while it is in L1. */
  void forwardRow(int n, float[] z, int zi, float[] bias, int bi, float[] pre, int pi, float[] y, int yi) {
    if (bias != null) {
      addRow(n, z, zi, bias, bi, y, yi);
      z = y;
      zi = yi;
    }
    if (pre != null) {
      System.arraycopy(z, zi, pre, pi, n);
    }
    switch (kind) {
      case IDENTITY -> {
        if (z != y || zi != yi) {
          System.arraycopy(z, zi, y, yi, n);
        }
      }
      case RELU -> reluRow(n, z, zi, y, yi);
      case LEAKY_RELU -> leakyReluRow(n, slope, z, zi, y, yi);
      case SIGMOID -> sigmoidRow(n, z, zi, y, yi);
      case TANH -> tanhRow(n, z, zi, y, yi);
      case GELU -> geluRow(n, z, zi, y, yi);
      case SILU -> siluRow(n, z, zi, y, yi);
      case SOFTPLUS -> softplusRow(n, z, zi, y, yi);
    }
  }

  // Each row loop: whole vectors, then one masked vector for the tail, through the same function.

  private static void addRow(int n, float[] z, int zi, float[] b, int bi, float[] y, int yi) {
    int j = 0;
    for (int end = SPECIES.loopBound(n); j < end; j += VL) {
      load(z, zi + j).add(load(b, bi + j)).intoArray(y, yi + j);
    }
    if (j < n) {
      VectorMask<Float> t = SPECIES.indexInRange(j, n);
      load(z, zi + j, t).add(load(b, bi + j, t)).intoArray(y, yi + j, t);
    }
  }

  private static void reluRow(int n, float[] z, int zi, float[] y, int yi) {
    int j = 0;
    for (int end = SPECIES.loopBound(n); j < end; j += VL) {
      load(z, zi + j).max(0f).intoArray(y, yi + j);
    }
    if (j < n) {
      VectorMask<Float> t = SPECIES.indexInRange(j, n);
      load(z, zi + j, t).max(0f).intoArray(y, yi + j, t);
    }
  }

  private static void leakyReluRow(int n, float slope, float[] z, int zi, float[] y, int yi) {
    int j = 0;
    for (int end = SPECIES.loopBound(n); j < end; j += VL) {
      leakyRelu(load(z, zi + j), slope).intoArray(y, yi + j);
    }
    if (j < n) {
      VectorMask<Float> t = SPECIES.indexInRange(j, n);
      leakyRelu(load(z, zi + j, t), slope).intoArray(y, yi + j, t);
    }
  }

  private static FloatVector leakyRelu(FloatVector z, float slope) {
    return z.mul(slope).blend(z, z.compare(VectorOperators.GT, 0f));
  }

  private static void sigmoidRow(int n, float[] z, int zi, float[] y, int yi) {
    int j = 0;
    for (int end = SPECIES.loopBound(n); j < end; j += VL) {
      VectorMath.sigmoid(load(z, zi + j)).intoArray(y, yi + j);
    }
    if (j < n) {
      VectorMask<Float> t = SPECIES.indexInRange(j, n);
      VectorMath.sigmoid(load(z, zi + j, t)).intoArray(y, yi + j, t);
    }
  }

  private static void tanhRow(int n, float[] z, int zi, float[] y, int yi) {
    int j = 0;
    for (int end = SPECIES.loopBound(n); j < end; j += VL) {
      VectorMath.tanh(load(z, zi + j)).intoArray(y, yi + j);
    }
    if (j < n) {
      VectorMask<Float> t = SPECIES.indexInRange(j, n);
      VectorMath.tanh(load(z, zi + j, t)).intoArray(y, yi + j, t);
    }
  }

  private static void geluRow(int n, float[] z, int zi, float[] y, int yi) {
    int j = 0;
    for (int end = SPECIES.loopBound(n); j < end; j += VL) {
      FloatVector v = load(z, zi + j);
      v.mul(geluGate(v)).intoArray(y, yi + j);
    }
    if (j < n) {
      VectorMask<Float> t = SPECIES.indexInRange(j, n);
      FloatVector v = load(z, zi + j, t);
      v.mul(geluGate(v)).intoArray(y, yi + j, t);
    }
  }

  /** sigmoid(2u), u = √(2/π)·(z + 0.044715·z³): GELU(z) = z·sigmoid(2u) = 0.5·z·(1 + tanh(u)). */
  private static FloatVector geluGate(FloatVector z) {
    FloatVector u2 = z.mul(z).fma(GELU_A, 1f).mul(z).mul(2 * GELU_C);
    return VectorMath.sigmoid(u2);
  }

  private static void siluRow(int n, float[] z, int zi, float[] y, int yi) {
    int j = 0;
    for (int end = SPECIES.loopBound(n); j < end; j += VL) {
      FloatVector v = load(z, zi + j);
      v.mul(VectorMath.sigmoid(v)).intoArray(y, yi + j);
    }
    if (j < n) {
      VectorMask<Float> t = SPECIES.indexInRange(j, n);
      FloatVector v = load(z, zi + j, t);
      v.mul(VectorMath.sigmoid(v)).intoArray(y, yi + j, t);
    }
  }

  private static void softplusRow(int n, float[] z, int zi, float[] y, int yi) {
    int j = 0;
    for (int end = SPECIES.loopBound(n); j < end; j += VL) {
      softplus(load(z, zi + j)).intoArray(y, yi + j);
    }
    if (j < n) {
      VectorMask<Float> t = SPECIES.indexInRange(j, n);
      softplus(load(z, zi + j, t)).intoArray(y, yi + j, t);
    }
  }

  /** max(z, 0) + log(1 + e^−|z|): no overflow for large z, no loss for z ≪ 0. */
  private static FloatVector softplus(FloatVector z) {
    return VectorMath.log1pUnit(VectorMath.exp(z.abs().neg())).add(z.max(0f));
  }

  // ---- backward ---------------------------------------------------------------------------------

  /**
   * {@code dz = dy ⊙ act'(·)} on an m×n block, and {@code biasGrad[j] = Σ_i dz[i][j]} (rows summed
   * in order) in the same pass. dy m×n; saved m×n: y if {@link #backwardUsesOutput()} else the
   * pre-activation; dz m×n (may be dy itself); biasGrad n (null: not wanted; overwritten).
   */
  public void backward(int m, int n, float[] dy, int dyOff, int lddy, float[] saved, int savedOff, int ldSaved,
                       float[] dz, int dzOff, int lddz, float[] biasGrad, int biasGradOff) {
    String fn = "Activation.backward";
    Checks.size(fn, "m", m);
    Checks.size(fn, "n", n);
    Checks.matrix(fn, "dy", dy, dyOff, lddy, m, n);
    Checks.matrix(fn, "saved", saved, savedOff, ldSaved, m, n);
    Checks.matrix(fn, "dz", dz, dzOff, lddz, m, n);
    if (biasGrad != null) {
      Checks.vector(fn, "biasGrad", biasGrad, biasGradOff, n);
      java.util.Arrays.fill(biasGrad, biasGradOff, biasGradOff + n, 0f);
    }
    for (int i = 0; i < m; i++) {
      backwardRow(n, dy, dyOff + i * lddy, saved, savedOff + i * ldSaved, dz, dzOff + i * lddz);
      if (biasGrad != null) {
        addRow(n, biasGrad, biasGradOff, dz, dzOff + i * lddz, biasGrad, biasGradOff);
      }
    }
  }

  /** {@code dz = dy ⊙ act'(·)} on n elements (dz may be dy). */
  public void backward(int n, float[] dy, int dyOff, float[] saved, int savedOff, float[] dz, int dzOff) {
    int ld = Math.max(1, n);
    backward(n == 0 ? 0 : 1, n, dy, dyOff, ld, saved, savedOff, ld, dz, dzOff, ld, null, 0);
  }

  /** One row, unchecked. */
  void backwardRow(int n, float[] dy, int di, float[] s, int si, float[] dz, int zi) {
    int j = 0;
    for (int end = SPECIES.loopBound(n); j < end; j += VL) {
      derivative(load(dy, di + j), load(s, si + j)).intoArray(dz, zi + j);
    }
    if (j < n) {
      VectorMask<Float> t = SPECIES.indexInRange(j, n);
      derivative(load(dy, di + j, t), load(s, si + j, t)).intoArray(dz, zi + j, t);
    }
  }

  /** dy·act'(s), s the output or the pre-activation as {@link #backwardUsesOutput()} says. */
  private FloatVector derivative(FloatVector dy, FloatVector s) {
    return switch (kind) {
      case IDENTITY -> dy;
      case RELU -> dy.blend(0f, s.compare(VectorOperators.GT, 0f).not());
      case LEAKY_RELU -> dy.mul(slope).blend(dy, s.compare(VectorOperators.GT, 0f));
      case SIGMOID -> dy.mul(s.neg().add(1f).mul(s)); // y(1 − y)
      case TANH -> dy.mul(s.neg().fma(s, FloatVector.broadcast(SPECIES, 1f))); // 1 − y²
      case GELU -> dy.mul(geluDerivative(s));
      case SILU -> {
        FloatVector g = VectorMath.sigmoid(s); // σ(z)·(1 + z·(1 − σ(z)))
        yield dy.mul(g.neg().add(1f).fma(s, FloatVector.broadcast(SPECIES, 1f)).mul(g));
      }
      case SOFTPLUS -> dy.mul(VectorMath.sigmoid(s));
    };
  }

  /** d/dz z·σ(2u) = σ + z·σ(1 − σ)·2u', u' = √(2/π)·(1 + 3·0.044715·z²). */
  private static FloatVector geluDerivative(FloatVector z) {
    FloatVector g = geluGate(z);
    FloatVector du2 = z.mul(z).fma(3 * GELU_A, 1f).mul(2 * GELU_C);
    return g.neg().add(1f).mul(g).mul(z).fma(du2, g);
  }

  private static FloatVector load(float[] a, int i) {
    return FloatVector.fromArray(SPECIES, a, i);
  }

  private static FloatVector load(float[] a, int i, VectorMask<Float> m) {
    return FloatVector.fromArray(SPECIES, a, i, m);
  }
}
