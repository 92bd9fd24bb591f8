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
   * {@link #TANH}; and, unless biasGrad is null, biasGrad[j] = Σ_r dz[r][j]. Strips of four vector
   * columns down the rows, so the sums stay in registers and add the rows in order, as
   * {@link Blocks#addRows} does: every element and sum gets the bits of the staged passes below.
   * dz may be dy (the same elements: a row's loads come before its stores). One column at a time,
   * each row's visit read one cache line of a new page, and 256×1024 took 120 µs; four, 60 µs.
   * Sums kept in memory instead (to stream whole rows) ran 2–3× slower on one of two workers, as
   * their stores stalled the next row's loads (4 KiB aliasing with 1024-float rows).
   */
  static void onOutput(int op, float slope, int m, int from, int to, float[] dy, int dyOff, int lddy,
                       float[] y, int yOff, int ldy, float[] dz, int dzOff, int lddz, float[] biasGrad, int bOff) {
    FloatVector one = FloatVector.broadcast(SPECIES, 1f);
    FloatVector zero = FloatVector.zero(SPECIES);
    for (int j = from; j < to; j += 4 * VL) {
      // a last strip of fewer columns repeats its last vector: the same values, stored twice
      int c1 = Math.min(VL, to - j - VL), c2 = Math.min(2 * VL, to - j - VL), c3 = Math.min(3 * VL, to - j - VL);
      FloatVector s0 = zero, s1 = zero, s2 = zero, s3 = zero;
      for (int r = 0, di = dyOff + j, yi = yOff + j, zi = dzOff + j; r < m; r++, di += lddy, yi += ldy, zi += lddz) {
        FloatVector g0 = FloatVector.fromArray(SPECIES, dy, di), v0 = FloatVector.fromArray(SPECIES, y, yi);
        FloatVector g1 = FloatVector.fromArray(SPECIES, dy, di + c1), v1 = FloatVector.fromArray(SPECIES, y, yi + c1);
        FloatVector g2 = FloatVector.fromArray(SPECIES, dy, di + c2), v2 = FloatVector.fromArray(SPECIES, y, yi + c2);
        FloatVector g3 = FloatVector.fromArray(SPECIES, dy, di + c3), v3 = FloatVector.fromArray(SPECIES, y, yi + c3);
        FloatVector o0 = switch (op) { // one switch per vector: C2 unswitches the row loop on op
          case RECTIFIER -> (slope == 0f ? zero : g0.mul(slope)).blend(g0, v0.compare(VectorOperators.GT, 0f));
          case SIGMOID -> g0.mul(v0.neg().add(1f).mul(v0));
          case TANH -> g0.mul(v0.neg().fma(v0, one));
          default -> g0;
        };
        FloatVector o1 = switch (op) {
          case RECTIFIER -> (slope == 0f ? zero : g1.mul(slope)).blend(g1, v1.compare(VectorOperators.GT, 0f));
          case SIGMOID -> g1.mul(v1.neg().add(1f).mul(v1));
          case TANH -> g1.mul(v1.neg().fma(v1, one));
          default -> g1;
        };
        FloatVector o2 = switch (op) {
          case RECTIFIER -> (slope == 0f ? zero : g2.mul(slope)).blend(g2, v2.compare(VectorOperators.GT, 0f));
          case SIGMOID -> g2.mul(v2.neg().add(1f).mul(v2));
          case TANH -> g2.mul(v2.neg().fma(v2, one));
          default -> g2;
        };
        FloatVector o3 = switch (op) {
          case RECTIFIER -> (slope == 0f ? zero : g3.mul(slope)).blend(g3, v3.compare(VectorOperators.GT, 0f));
          case SIGMOID -> g3.mul(v3.neg().add(1f).mul(v3));
          case TANH -> g3.mul(v3.neg().fma(v3, one));
          default -> g3;
        };
        o0.intoArray(dz, zi);
        o1.intoArray(dz, zi + c1);
        o2.intoArray(dz, zi + c2);
        o3.intoArray(dz, zi + c3);
        s0 = s0.add(o0);
        s1 = s1.add(o1);
        s2 = s2.add(o2);
        s3 = s3.add(o3);
      }
      if (biasGrad != null) {
        s0.intoArray(biasGrad, bOff + j);
        s1.intoArray(biasGrad, bOff + j + c1);
        s2.intoArray(biasGrad, bOff + j + c2);
        s3.intoArray(biasGrad, bOff + j + c3);
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
