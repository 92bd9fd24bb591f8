package dev.lanes.kernel;

import static dev.lanes.kernel.GemmBlocking.VL;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;

/** VectorMath against double-precision StrictMath, in ulps of the float result. */
class VectorMathTest {

  interface Pass {
    void run(int n, float[] x, float[] y);
  }

  /** Runs a pass over xs, padded to whole vectors. */
  static float[] apply(Pass pass, float[] xs) {
    int n = (xs.length + VL - 1) / VL * VL;
    float[] in = java.util.Arrays.copyOf(xs, n);
    float[] out = new float[n];
    pass.run(n, in, out);
    return java.util.Arrays.copyOf(out, xs.length);
  }

  static final Pass EXP = (n, x, y) -> VectorMath.exp(n, false, 1f, 0f, false, x, 0, y, 0);
  static final Pass EXPM1 = (n, x, y) -> VectorMath.exp(n, false, 1f, 0f, true, x, 0, y, 0);
  static final Pass LOG1P = (n, x, y) -> VectorMath.log1p(n, x, 0, y, 0);

  /** Random floats spread log-uniformly in magnitude over [lo, hi] with both signs where lo < 0. */
  static float[] sweep(float lo, float hi, int count, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    float[] xs = new float[count];
    for (int i = 0; i < count; i++) {
      xs[i] = i % 3 == 0 ? (float) (lo + (hi - lo) * rnd.nextDouble())
          : (float) (Math.copySign(Math.pow(10, -8 + 10 * rnd.nextDouble()), rnd.nextBoolean() ? 1 : -1));
      xs[i] = Math.max(lo, Math.min(hi, xs[i]));
    }
    return xs;
  }

  /** Max error in ulps of the exact (double) result, rounded to float. */
  static double maxUlps(float[] xs, float[] got, DoubleUnaryOperator exact) {
    double worst = 0;
    for (int i = 0; i < xs.length; i++) {
      double e = exact.applyAsDouble(xs[i]);
      float ef = (float) e;
      double err = Math.abs(got[i] - e) / Math.ulp(Math.max(Math.abs(ef), Float.MIN_NORMAL));
      if (!(err <= worst)) {
        worst = err;
        if (Double.isNaN(err)) {
          throw new AssertionError("x=" + xs[i] + " got " + got[i] + " exact " + e);
        }
      }
    }
    return worst;
  }

  @Test
  void expWithinOneAndAHalfUlps() {
    float[] xs = sweep(VectorMath.EXP_LO, VectorMath.EXP_HI, 1 << 18, 1);
    double ulps = maxUlps(xs, apply(EXP, xs), StrictMath::exp);
    assertTrue(ulps <= 1.5, "exp error " + ulps + " ulp");
  }

  @Test
  void expm1WithinOneAndAHalfUlpsIncludingNearZero() {
    float[] xs = sweep(-40f, 80f, 1 << 18, 2);
    double ulps = maxUlps(xs, apply(EXPM1, xs), StrictMath::expm1);
    assertTrue(ulps <= 1.5, "expm1 error " + ulps + " ulp");
  }

  @Test
  void log1pWithinTwoUlpsOnUnitInterval() {
    float[] xs = sweep(0f, 1f, 1 << 18, 3);
    double ulps = maxUlps(xs, apply(LOG1P, xs), StrictMath::log1p);
    assertTrue(ulps <= 2, "log1p error " + ulps + " ulp");
  }

  @Test
  void scaledShiftedAndAbsoluteArgumentsAreOneFma() {
    float[] xs = sweep(-20f, 20f, 1 << 12, 6);
    float[] y = new float[xs.length];
    VectorMath.exp(xs.length, true, -0.75f, 1.5f, false, xs, 0, y, 0);
    float[] t = new float[xs.length];
    for (int i = 0; i < xs.length; i++) {
      t[i] = Math.fma(Math.abs(xs[i]), -0.75f, 1.5f);
    }
    assertArrayEquals(apply(EXP, t), y);
  }

  @Test
  void specialValues() {
    float inf = Float.POSITIVE_INFINITY, nan = Float.NaN;
    float[] xs = {nan, inf, -inf, 0f, -0f, 89f, -88f, -104f, Float.MIN_VALUE, -Float.MIN_VALUE, 1e-30f, -1e-30f,
        VectorMath.EXP_HI, VectorMath.EXP_LO, 200f, -200f};
    float[] e = apply(EXP, xs);
    assertEquals(nan, e[0]);
    assertEquals(inf, e[1]);
    assertEquals(0f, e[2]);
    assertEquals(1f, e[3]);
    assertEquals(1f, e[4]);
    assertEquals(inf, e[5]);
    assertEquals(0f, e[6]); // e^−88 is subnormal: flushed to 0
    assertEquals(0f, e[7]);
    assertEquals(1f, e[8]);
    assertEquals(1f, e[11]);
    assertTrue(e[12] > 3.4e38f && e[12] <= Float.MAX_VALUE, "exp(EXP_HI) = " + e[12]);
    assertTrue(e[13] >= Float.MIN_NORMAL && e[13] < 1.2e-38f, "exp(EXP_LO) = " + e[13]);
    assertEquals(inf, e[14]);
    assertEquals(0f, e[15]);
    float[] m = apply(EXPM1, xs);
    assertEquals(nan, m[0]);
    assertEquals(inf, m[1]);
    assertEquals(-1f, m[2]);
    assertEquals(0f, m[3]);
    assertTrue(m[4] == 0f, "expm1(-0) = 0 (its sign is not kept; tanh restores it)");
    assertEquals(Float.MIN_VALUE, m[8], "expm1 of a subnormal is itself");
    assertEquals(1e-30f, m[10]);
    assertEquals(-1f, m[15]);
    float[] l = apply(LOG1P, new float[] {0f, Float.MIN_VALUE, 1e-30f, 1f});
    assertEquals(0f, l[0]);
    assertEquals(Float.MIN_VALUE, l[1], Float.MIN_VALUE, "x/(2+x) may round the least subnormal to 0");
    assertEquals(1e-30f, l[2]);
    assertEquals((float) Math.log(2), l[3], Math.ulp((float) Math.log(2)));
  }
}
