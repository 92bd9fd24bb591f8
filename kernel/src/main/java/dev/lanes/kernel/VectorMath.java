package dev.lanes.kernel;

import static dev.lanes.kernel.GemmBlocking.SPECIES;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * exp, expm1 and log1p on vectors, built only from IEEE-exact operations (add, mul, div, FMA, bit
 * moves). That is why they are here rather than {@code VectorOperators.EXP}: the JDK's may call a
 * native library when compiled and a scalar loop when interpreted, and a result whose bits depend on
 * the JIT tier of the thread that computed it would break the engine's promise of the same bits on
 * any number of threads. These give the same bits in every tier, lane and array position.
 *
 * <p>Accuracy (enforced by {@code VectorMathTest} against double precision, max over 2^18 points):
 * exp 1.5 ulp (measured 1.02), expm1 1 ulp (0.81), log1p 2 ulp (1.88), and built on them tanh
 * 3 ulp (2.46) and sigmoid 3 ulp (2.21). exp flushes results below {@link Float#MIN_NORMAL}
 * (x < −87.34) to 0.
 * Methods are small so that C2 inlines them; a vector passed to a call it does not inline is boxed.
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
  /** ln(Float.MIN_NORMAL): below it e^x is subnormal, returned as 0. */
  static final float EXP_LO = -87.33654f;
  /** Below this, expm1(x) is −1 in float. */
  private static final float EXPM1_LO = -30f;
  private static final int SIGN = 0x8000_0000;

  /** e^x; +Inf above {@link #EXP_HI}, 0 below {@link #EXP_LO}, NaN for NaN. */
  static FloatVector exp(FloatVector x) {
    FloatVector xc = x.max(EXP_LO).min(EXP_HI);
    FloatVector t = xc.fma(LOG2E, ROUND);
    FloatVector n = t.sub(ROUND);
    FloatVector r = n.fma(k(-LN2_HI), xc);
    r = n.fma(k(-LN2_LO), r); // x = n·ln2 + r, |r| ≤ ln2/2
    FloatVector p = expm1Reduced(r).add(1f);
    // 2^n as two factors 2^h·2^(n−h): n reaches 128 and −126, beyond one float's exponent range
    IntVector ni = t.reinterpretAsInts().sub(ROUND_BITS);
    IntVector h = ni.lanewise(VectorOperators.ASHR, 1);
    FloatVector y = p.mul(pow2(h)).mul(pow2(ni.sub(h)));
    y = y.blend(0f, x.lt(EXP_LO));
    return y.blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.GT, EXP_HI));
  }

  /** e^x − 1 for x ≤ 0, accurate near 0 (for tanh); −1 below −30. */
  static FloatVector expm1NonPositive(FloatVector x) {
    FloatVector xc = x.max(EXPM1_LO);
    FloatVector t = xc.fma(LOG2E, ROUND);
    FloatVector n = t.sub(ROUND);
    FloatVector r = n.fma(k(-LN2_HI), xc);
    r = n.fma(k(-LN2_LO), r);
    FloatVector s = pow2(t.reinterpretAsInts().sub(ROUND_BITS)); // 2^n, n in [−44, 0]
    // e^x − 1 = 2^n·(e^r − 1) + (2^n − 1); the second term is exact, so no cancellation near 0
    return expm1Reduced(r).fma(s, s.sub(1f));
  }

  /**
   * log(1 + e) for e in [0, 1] (softplus and binary cross-entropy): 2·atanh(s), s = e/(2+e) ≤ 1/3,
   * by its odd series; computing s from e directly keeps full precision for tiny e.
   */
  static FloatVector log1pUnit(FloatVector e) {
    FloatVector s = e.div(e.add(2f));
    FloatVector z = s.mul(s);
    FloatVector p = z.fma(1f / 15, 1f / 13);
    p = p.fma(z, k(1f / 11));
    p = p.fma(z, k(1f / 9));
    p = p.fma(z, k(1f / 7));
    p = p.fma(z, k(1f / 5));
    p = p.fma(z, k(1f / 3));
    FloatVector s2 = s.add(s);
    return p.mul(z).fma(s2, s2); // 2s + 2s·z·p
  }

  /** 1 / (1 + e^−x). */
  static FloatVector sigmoid(FloatVector x) {
    return k(1f).div(exp(x.neg()).add(1f));
  }

  /** tanh(x) = −expm1(−2|x|) / (2 + expm1(−2|x|)), with the sign of x (so tanh(−0) = −0). */
  static FloatVector tanh(FloatVector x) {
    FloatVector em = expm1NonPositive(x.abs().mul(-2f));
    FloatVector t = em.div(em.add(2f)).abs();
    return withSignOf(t, x);
  }

  /** |t| carrying the sign bit of x. */
  static FloatVector withSignOf(FloatVector t, FloatVector x) {
    return t.reinterpretAsInts().or(x.reinterpretAsInts().and(SIGN)).reinterpretAsFloats();
  }

  /** e^r − 1 for |r| ≤ ln2/2: Taylor series to r^7 (the r^8 term is below 2^−27). */
  private static FloatVector expm1Reduced(FloatVector r) {
    FloatVector c = r.fma(1f / 5040, 1f / 720);
    c = c.fma(r, k(1f / 120));
    c = c.fma(r, k(1f / 24));
    c = c.fma(r, k(1f / 6));
    c = c.fma(r, k(0.5f));
    return c.fma(r.mul(r), r);
  }

  private static FloatVector k(float value) {
    return FloatVector.broadcast(SPECIES, value);
  }

  /** 2^n for n in [−126, 127], built in the exponent field. */
  private static FloatVector pow2(IntVector n) {
    return n.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
  }
}
