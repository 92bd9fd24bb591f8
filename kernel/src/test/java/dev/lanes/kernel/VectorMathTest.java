package dev.lanes.kernel;

import static dev.lanes.kernel.GemmBlocking.SPECIES;
import static dev.lanes.kernel.GemmBlocking.VL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;
import java.util.function.UnaryOperator;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/** VectorMath against double-precision StrictMath, in ulps of the float result. */
class VectorMathTest {

  /** Applies f lane-wise to xs (length a multiple of VL). */
  static float[] apply(UnaryOperator<FloatVector> f, float[] xs) {
    float[] out = new float[xs.length];
    for (int i = 0; i < xs.length; i += VL) {
      f.apply(FloatVector.fromArray(SPECIES, xs, i)).intoArray(out, i);
    }
    return out;
  }

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
    double ulps = maxUlps(xs, apply(VectorMath::exp, xs), StrictMath::exp);
    assertTrue(ulps <= 1.5, "exp error " + ulps + " ulp");
  }

  @Test
  void expm1WithinOneUlpIncludingNearZero() {
    float[] xs = sweep(-40f, 0f, 1 << 18, 2);
    double ulps = maxUlps(xs, apply(VectorMath::expm1NonPositive, xs), StrictMath::expm1);
    assertTrue(ulps <= 1, "expm1 error " + ulps + " ulp");
  }

  @Test
  void log1pWithinTwoUlpsOnUnitInterval() {
    float[] xs = sweep(0f, 1f, 1 << 18, 3);
    double ulps = maxUlps(xs, apply(VectorMath::log1pUnit, xs), StrictMath::log1p);
    assertTrue(ulps <= 2, "log1p error " + ulps + " ulp");
  }

  @Test
  void tanhAndSigmoidAccurate() {
    float[] xs = sweep(-30f, 30f, 1 << 18, 4);
    double t = maxUlps(xs, apply(VectorMath::tanh, xs), StrictMath::tanh);
    assertTrue(t <= 3, "tanh error " + t + " ulp");
    float[] ys = sweep(-80f, 80f, 1 << 18, 5);
    double s = maxUlps(ys, apply(VectorMath::sigmoid, ys), x -> 1 / (1 + StrictMath.exp(-x)));
    assertTrue(s <= 3, "sigmoid error " + s + " ulp");
  }

  @Test
  void specialValues() {
    float inf = Float.POSITIVE_INFINITY, nan = Float.NaN;
    float[] xs = {nan, inf, -inf, 0f, -0f, 89f, -88f, -104f, Float.MIN_VALUE, -Float.MIN_VALUE, 1e-30f, -1e-30f,
        VectorMath.EXP_HI, VectorMath.EXP_LO, 200f, -200f};
    float[] in = new float[((xs.length + VL - 1) / VL) * VL];
    System.arraycopy(xs, 0, in, 0, xs.length);
    float[] e = apply(VectorMath::exp, in);
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
    float[] t = apply(VectorMath::tanh, in);
    assertEquals(nan, t[0]);
    assertEquals(1f, t[1]);
    assertEquals(-1f, t[2]);
    assertEquals(0f, t[3]);
    assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(t[4]), "tanh(-0) = -0");
    assertEquals(1e-30f, t[10]);
    assertEquals(-1e-30f, t[11]);
    assertEquals(Float.MIN_VALUE, t[8]);
    float[] s = apply(VectorMath::sigmoid, in);
    assertEquals(nan, s[0]);
    assertEquals(1f, s[1]);
    assertEquals(0f, s[2]);
    assertEquals(0.5f, s[3]);
    assertEquals(1f, s[14]);
    assertEquals(0f, s[15]);
  }
}
