package dev.lanes.kernel;

import static dev.lanes.kernel.GemmBlocking.SPECIES;
import static dev.lanes.kernel.GemmBlocking.VL;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * The elementwise passes that {@link Activation} composes with {@link VectorMath}'s: each one loop
 * over whole vectors of staged scratch {@code s}, regions given by offsets (a: the pre-activation
 * or saved tensor, d: dy, b/out: the result). See {@link VectorMath} for why no vector crosses a call.
 */
final class ActivationPasses {
  private ActivationPasses() {}

  /** √(2/π) and the cubic coefficient of the tanh form of GELU. */
  private static final float GELU_C = (float) Math.sqrt(2 / Math.PI);
  private static final float GELU_A = 0.044715f;

  // ---- forward ----

  /**
   * y = act(z + bias) for identity, ReLU (slope 0) and leaky ReLU, straight on the matrices: whole
   * vectors, then the tail of each row through one masked vector, or one float at a time where
   * that vector would pass the end of z or y (there a masked access checks each lane: an n = 1
   * output layer spent more on those checks than on its product). bias may be null.
   */
  static void rectify(int rows, int cols, float slope, boolean identity, float[] z, int zOff, int ldz,
                      float[] bias, int bOff, float[] y, int yOff, int ldy) {
    int full = SPECIES.loopBound(cols);
    VectorMask<Float> tail = SPECIES.indexInRange(full, cols);
    FloatVector tailBias = bias != null && full < cols ? FloatVector.fromArray(SPECIES, bias, bOff + full, tail)
        : FloatVector.zero(SPECIES); // never null: a vector that may be null is boxed, a heap object per call
    for (int r = 0; r < rows; r++) {
      int zi = zOff + r * ldz, yi = yOff + r * ldy;
      for (int j = 0; j < full; j += VL) {
        FloatVector v = FloatVector.fromArray(SPECIES, z, zi + j);
        v = bias == null ? v : v.add(FloatVector.fromArray(SPECIES, bias, bOff + j));
        v = identity ? v : slope == 0f ? v.max(0f) : v.mul(slope).blend(v, v.compare(VectorOperators.GT, 0f));
        v.intoArray(y, yi + j);
      }
      if (full == cols) {
        continue;
      }
      if (zi + full + VL <= z.length && yi + full + VL <= y.length) {
        FloatVector v = FloatVector.fromArray(SPECIES, z, zi + full, tail);
        v = bias == null ? v : v.add(tailBias);
        v = identity ? v : slope == 0f ? v.max(0f) : v.mul(slope).blend(v, v.compare(VectorOperators.GT, 0f));
        v.intoArray(y, yi + full, tail);
      } else {
        for (int j = full; j < cols; j++) { // the same operations on one float
          float v = bias == null ? z[zi + j] : z[zi + j] + bias[bOff + j];
          y[yi + j] = identity ? v : slope == 0f ? Math.max(v, 0f) : v > 0f ? v : v * slope;
        }
      }
    }
  }

  static void relu(int len, float[] s, int a, int b) {
    for (int j = 0; j < len; j += VL) {
      FloatVector.fromArray(SPECIES, s, a + j).max(0f).intoArray(s, b + j);
    }
  }

  static void leakyRelu(int len, float slope, float[] s, int a, int b) {
    for (int j = 0; j < len; j += VL) {
      FloatVector z = FloatVector.fromArray(SPECIES, s, a + j);
      z.mul(slope).blend(z, z.compare(VectorOperators.GT, 0f)).intoArray(s, b + j);
    }
  }

  /** b = 1/(1 + b): sigmoid from e^−z. */
  static void reciprocalOnePlus(int len, float[] s, int b) {
    FloatVector one = FloatVector.broadcast(SPECIES, 1f);
    for (int j = 0; j < len; j += VL) {
      one.div(FloatVector.fromArray(SPECIES, s, b + j).add(1f)).intoArray(s, b + j);
    }
  }

  /** b = a/(1 + b): z·sigmoid(·) from e^−(·), for SiLU and GELU. */
  static void divideOnePlus(int len, float[] s, int a, int b) {
    for (int j = 0; j < len; j += VL) {
      FloatVector z = FloatVector.fromArray(SPECIES, s, a + j);
      z.div(FloatVector.fromArray(SPECIES, s, b + j).add(1f)).intoArray(s, b + j);
    }
  }

  /** b = tanh(a) from b = expm1(−2|a|): |em/(em + 2)| with the sign of a (so tanh(−0) = −0). */
  static void tanhFromExpm1(int len, float[] s, int a, int b) {
    for (int j = 0; j < len; j += VL) {
      FloatVector em = FloatVector.fromArray(SPECIES, s, b + j);
      FloatVector t = em.div(em.add(2f)).abs();
      var sign = FloatVector.fromArray(SPECIES, s, a + j).reinterpretAsInts().and(0x8000_0000);
      t.reinterpretAsInts().or(sign).reinterpretAsFloats().intoArray(s, b + j);
    }
  }

  /** b = −2u, u = √(2/π)·(z + 0.044715·z³): GELU(z) = z·sigmoid(2u) = 0.5·z·(1 + tanh(u)). */
  static void geluMinus2u(int len, float[] s, int a, int b) {
    for (int j = 0; j < len; j += VL) {
      FloatVector z = FloatVector.fromArray(SPECIES, s, a + j);
      z.mul(z).fma(GELU_A, 1f).mul(z).mul(-2 * GELU_C).intoArray(s, b + j);
    }
  }

  /** b = b + max(a, 0): softplus from log(1 + e^−|z|). */
  static void addPositivePart(int len, float[] s, int a, int b) {
    for (int j = 0; j < len; j += VL) {
      FloatVector z = FloatVector.fromArray(SPECIES, s, a + j);
      FloatVector.fromArray(SPECIES, s, b + j).add(z.max(0f)).intoArray(s, b + j);
    }
  }

  // ---- backward: out = dy·act'(·) ----

  /**
   * {@link #onOutput}'s ops: ints, not Activation's kinds, whose switch in the inner loop (through
   * the enum's ordinal map) ran the tiny network's step ~1.7% slower.
   */
  static final int IDENTITY = 0, RECTIFIER = 1, SIGMOID = 2, TANH = 3;

  /**
   * The backward of the activations whose derivative reads only y, straight on the matrices (no
   * staging): dz = dy·act'(y) on rows [0, m) × columns [from, to), whole vectors, op one of
   * {@link #IDENTITY}, {@link #RECTIFIER} (ReLU or leaky ReLU by slope), {@link #SIGMOID},
   * {@link #TANH}; and, unless biasGrad is null, biasGrad[j] = Σ_r dz[r][j]. One vector column at a
   * time down the rows, so the sum stays in a register and adds the rows in order, as {@link
   * Blocks#addRows} does: every element and sum gets the bits of the staged passes below. dz may be
   * dy (the same elements).
   */
  static void onOutput(int op, float slope, int m, int from, int to, float[] dy, int dyOff, int lddy,
                       float[] y, int yOff, int ldy, float[] dz, int dzOff, int lddz, float[] biasGrad, int bOff) {
    FloatVector one = FloatVector.broadcast(SPECIES, 1f);
    for (int j = from; j < to; j += VL) {
      FloatVector sum = FloatVector.zero(SPECIES);
      for (int r = 0, di = dyOff + j, yi = yOff + j, zi = dzOff + j; r < m; r++, di += lddy, yi += ldy, zi += lddz) {
        FloatVector g = FloatVector.fromArray(SPECIES, dy, di);
        FloatVector v = FloatVector.fromArray(SPECIES, y, yi);
        FloatVector out = switch (op) {
          case RECTIFIER -> (slope == 0f ? FloatVector.zero(SPECIES) : g.mul(slope))
              .blend(g, v.compare(VectorOperators.GT, 0f));
          case SIGMOID -> g.mul(v.neg().add(1f).mul(v));
          case TANH -> g.mul(v.neg().fma(v, one));
          default -> g;
        };
        out.intoArray(dz, zi);
        sum = sum.add(out);
      }
      if (biasGrad != null) {
        sum.intoArray(biasGrad, bOff + j);
      }
    }
  }

  /** dy where the output is > 0, else slope·dy (exactly 0 for ReLU, slope 0). */
  static void reluBackward(int len, float slope, float[] s, int y, int d, int out) {
    for (int j = 0; j < len; j += VL) {
      FloatVector g = FloatVector.fromArray(SPECIES, s, d + j);
      FloatVector other = slope == 0f ? FloatVector.zero(SPECIES) : g.mul(slope);
      var positive = FloatVector.fromArray(SPECIES, s, y + j).compare(VectorOperators.GT, 0f);
      other.blend(g, positive).intoArray(s, out + j);
    }
  }

  /** dy·y(1 − y). */
  static void sigmoidBackward(int len, float[] s, int y, int d, int out) {
    for (int j = 0; j < len; j += VL) {
      FloatVector v = FloatVector.fromArray(SPECIES, s, y + j);
      FloatVector.fromArray(SPECIES, s, d + j).mul(v.neg().add(1f).mul(v)).intoArray(s, out + j);
    }
  }

  /** dy·(1 − y²). */
  static void tanhBackward(int len, float[] s, int y, int d, int out) {
    FloatVector one = FloatVector.broadcast(SPECIES, 1f);
    for (int j = 0; j < len; j += VL) {
      FloatVector v = FloatVector.fromArray(SPECIES, s, y + j);
      FloatVector.fromArray(SPECIES, s, d + j).mul(v.neg().fma(v, one)).intoArray(s, out + j);
    }
  }

  /**
   * From out = e^−2u: g = σ(2u) = 1/(1 + out), and d/dz z·σ(2u) = g + z·g(1 − g)·2u',
   * u' = √(2/π)·(1 + 3·0.044715·z²).
   */
  static void geluBackward(int len, float[] s, int z, int d, int out) {
    FloatVector one = FloatVector.broadcast(SPECIES, 1f);
    for (int j = 0; j < len; j += VL) {
      FloatVector zv = FloatVector.fromArray(SPECIES, s, z + j);
      FloatVector g = one.div(FloatVector.fromArray(SPECIES, s, out + j).add(1f));
      FloatVector du2 = zv.mul(zv).fma(3 * GELU_A, 1f).mul(2 * GELU_C);
      FloatVector slope = g.neg().add(1f).mul(g).mul(zv).fma(du2, g);
      FloatVector.fromArray(SPECIES, s, d + j).mul(slope).intoArray(s, out + j);
    }
  }

  /** From out = e^−z: g = σ(z), and SiLU' = g·(1 + z·(1 − g)). */
  static void siluBackward(int len, float[] s, int z, int d, int out) {
    FloatVector one = FloatVector.broadcast(SPECIES, 1f);
    for (int j = 0; j < len; j += VL) {
      FloatVector g = one.div(FloatVector.fromArray(SPECIES, s, out + j).add(1f));
      FloatVector slope = g.neg().add(1f).fma(FloatVector.fromArray(SPECIES, s, z + j), one).mul(g);
      FloatVector.fromArray(SPECIES, s, d + j).mul(slope).intoArray(s, out + j);
    }
  }

  /** From out = e^−z: dy·σ(z) = dy/(1 + out) (softplus' = sigmoid). */
  static void divideByOnePlus(int len, float[] s, int d, int out) {
    for (int j = 0; j < len; j += VL) {
      FloatVector onePlus = FloatVector.fromArray(SPECIES, s, out + j).add(1f);
      FloatVector.fromArray(SPECIES, s, d + j).div(onePlus).intoArray(s, out + j);
    }
  }
}
