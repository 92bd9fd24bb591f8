package dev.lanes.kernel;

import static dev.lanes.kernel.GemmBlocking.SPECIES;
import static dev.lanes.kernel.GemmBlocking.VL;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * exp, expm1 and log1p as passes over arrays, built only from IEEE-exact operations (add, mul,
 * div, FMA, bit moves). Two rules shape this class:
 * <ul>
 *   <li>Not {@code VectorOperators.EXP}: the JDK's may call a native library when compiled and a
 *       scalar loop when interpreted, and a result whose bits depend on the JIT tier of the thread
 *       that computed it would break the promise of the same bits on any number of threads. These
 *       give the same bits in every tier, lane and array position.
 *   <li>Arrays in, arrays out, never a vector: a vector passed to or returned from a call that C2
 *       does not inline is boxed (an allocation per vector), and whether it inlines depends on the
 *       caller's size and profile. So the kernels pass arrays between passes and keep every vector
 *       inside one loop body. The passes run on whole vectors: n is a multiple of {@code VL}
 *       (callers stage tails in padded scratch, see {@link Blocks}).
 * </ul>
 *
 * <p>Accuracy (enforced by {@code VectorMathTest} against double precision, max over 2^18 points):
 * exp 1.5 ulp (measured 1.02), expm1 1.5 ulp (1.45, on [−40, 80]), log1p 2 ulp (1.88). exp
 * flushes results below {@link Float#MIN_NORMAL} (argument < −87.34) to 0 and overflows to +Inf
 * above 88.72; expm1 returns +Inf above 88 (its users only pass t ≤ 0).
 */
final class VectorMath {
  private VectorMath() {}

  private static final float LOG2E = (float) (1 / Math.log(2));
  private static final float LN2_HI = (float) Math.log(2);
  private static final float LN2_LO = (float) (Math.log(2) - LN2_HI);
  /** 1.5·2^23: adding it rounds to an integer that then sits in the low mantissa bits. */
  private static final float ROUND = 0x1.8p23f;
  private static final int ROUND_BITS = Float.floatToRawIntBits(ROUND);
  /** ln(Float.MAX_VALUE): above it e^x overflows. */
  static final float EXP_HI = 88.72283f;
  /** Above this expm1 returns +Inf (2^k must stay a float; true overflow is at EXP_HI). */
  static final float EXPM1_HI = 88f;
  /** ln(Float.MIN_NORMAL): below it e^x is subnormal, returned as 0 (−1 for expm1). */
  static final float EXP_LO = -87.33654f;

  /**
   * {@code y = e^t} or, with {@code minusOne}, {@code y = e^t − 1} (accurate near 0), where
   * {@code t = a·x + b}, or {@code a·|x| + b} with {@code abs}. n a multiple of VL; y may be x.
   */
  static void exp(int n, boolean abs, float a, float b, boolean minusOne, float[] x, int xi, float[] y, int yi) {
    FloatVector va = FloatVector.broadcast(SPECIES, a);
    FloatVector vb = FloatVector.broadcast(SPECIES, b);
    FloatVector log2e = FloatVector.broadcast(SPECIES, LOG2E);
    FloatVector round = FloatVector.broadcast(SPECIES, ROUND);
    FloatVector ln2Hi = FloatVector.broadcast(SPECIES, -LN2_HI);
    FloatVector ln2Lo = FloatVector.broadcast(SPECIES, -LN2_LO);
    for (int j = 0; j < n; j += VL) {
      FloatVector v = FloatVector.fromArray(SPECIES, x, xi + j);
      FloatVector t = (abs ? v.abs() : v).fma(va, vb);
      // t = k·ln2 + r with |r| ≤ ln2/2; no clamp: out-of-range lanes are replaced at the end
      FloatVector kr = t.fma(log2e, round);
      FloatVector k = kr.sub(round);
      FloatVector r = k.fma(ln2Hi, t);
      r = k.fma(ln2Lo, r);
      // e^r − 1 by its Taylor series to r^7 (the r^8 term is below 2^−27)
      FloatVector c = r.fma(1f / 5040, 1f / 720);
      c = c.fma(r, FloatVector.broadcast(SPECIES, 1f / 120));
      c = c.fma(r, FloatVector.broadcast(SPECIES, 1f / 24));
      c = c.fma(r, FloatVector.broadcast(SPECIES, 1f / 6));
      c = c.fma(r, FloatVector.broadcast(SPECIES, 0.5f));
      FloatVector q = c.fma(r.mul(r), r);
      IntVector ki = kr.reinterpretAsInts().sub(ROUND_BITS);
      FloatVector e;
      if (minusOne) { // 2^k·(e^r − 1) + (2^k − 1): exact second term, so no cancellation near 0
        FloatVector s = ki.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats(); // k ≤ 127
        e = q.fma(s, s.sub(1f)).blend(-1f, t.lt(EXP_LO));
      } else {
        // e^r·2^k by adding k to the exponent field: within [EXP_LO, EXP_HI], k = 128 only with
        // e^r < 1 and k = −126 only with e^r ≥ 1, so the result is a normal float
        IntVector bits = q.add(1f).reinterpretAsInts().add(ki.lanewise(VectorOperators.LSHL, 23));
        e = bits.reinterpretAsFloats().blend(0f, t.lt(EXP_LO));
      }
      e = e.blend(t, t.test(VectorOperators.IS_NAN)); // the bit arithmetic can turn NaN into a number
      e.blend(Float.POSITIVE_INFINITY, t.compare(VectorOperators.GT, minusOne ? EXPM1_HI : EXP_HI))
          .intoArray(y, yi + j);
    }
  }

  /**
   * {@code y = log(1 + x)} for x in [0, 1] (softplus, binary cross-entropy): 2·atanh(s) with
   * s = x/(2+x) ≤ 1/3, by its odd series; taking s from x directly keeps full precision for tiny x.
   * n a multiple of VL; y may be x.
   */
  static void log1p(int n, float[] x, int xi, float[] y, int yi) {
    for (int j = 0; j < n; j += VL) {
      FloatVector e = FloatVector.fromArray(SPECIES, x, xi + j);
      FloatVector s = e.div(e.add(2f));
      FloatVector z = s.mul(s);
      FloatVector p = z.fma(1f / 15, 1f / 13);
      p = p.fma(z, FloatVector.broadcast(SPECIES, 1f / 11));
      p = p.fma(z, FloatVector.broadcast(SPECIES, 1f / 9));
      p = p.fma(z, FloatVector.broadcast(SPECIES, 1f / 7));
      p = p.fma(z, FloatVector.broadcast(SPECIES, 1f / 5));
      p = p.fma(z, FloatVector.broadcast(SPECIES, 1f / 3));
      FloatVector s2 = s.add(s);
      p.mul(z).fma(s2, s2).intoArray(y, yi + j); // 2s + 2s·z·p
    }
  }
}
