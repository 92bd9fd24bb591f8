package dev.lanes.kernel;

import static dev.lanes.kernel.GemmBlocking.SPECIES;
import static dev.lanes.kernel.GemmBlocking.VL;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Optimizer updates, each one pass over a flat parameter array {@code w[wOff .. wOff+n)} with its
 * gradient {@code g[gOff ..)} and state ({@code m}, {@code v}) at their own offsets.
 *
 * <p><b>Arguments shared by all.</b> {@code gradScale} multiplies the gradient first; gradient
 * clipping by global norm is fused in this way ({@code gradScale = min(1, maxNorm/norm)}, see
 * {@link Reductions#sumOfSquares}). Weight decay is L2 coupled into the gradient
 * ({@code d = gradScale·g + weightDecay·w}), except in {@link #adamW}, where it is decoupled as in
 * PyTorch's AdamW. {@code n == 0} does nothing.
 *
 * <p><b>Arithmetic.</b> Each method's Javadoc gives the exact float operations applied to every
 * element ({@code fma} rounds once, every other operation rounds to float); per-call constants are
 * computed once, in double where stated. Every element goes through the same vector operations (a
 * masked vector handles the tail), so an element's bits depend only on its own inputs, not on its
 * position, the array length or the JIT tier.
 *
 * <p><b>Non-finite values</b> are not checked per element: a NaN gradient makes that weight (and its
 * state) NaN; an infinite one makes the weight infinite under SGD and momentum and NaN under Adam and
 * AdamW (∞/∞); other elements are unaffected. {@code gradScale == 0} multiplies, so it does not hide
 * a NaN or infinite gradient either. Coupled weight decay multiplies w even when it is 0, so there
 * an infinite weight becomes NaN ({@code 0·∞}).
 *
 * <p><b>Subnormal state is stored as zero.</b> A momentum or Adam state whose gradient stays 0 (a
 * dead ReLU unit, an input pixel that is always 0) decays geometrically and, at beta1 = 0.9, falls
 * below {@link Float#MIN_NORMAL} after about 800 steps. On x86 every operation on a subnormal float
 * takes a microcode assist: the Adam update of 235 K parameters, half of them with zero gradients,
 * went from 127 µs to 2,000 µs per step there. So m and v are set to +0 where their magnitude falls
 * below {@code Float.MIN_NORMAL} ({@code flush(x) = |x| < MIN_NORMAL ? 0 : x}, after the update
 * formulas below). Such a state would move its weight by at most lr·MIN_NORMAL (momentum) or
 * alpha·MIN_NORMAL/eps (Adam's m); with v it changes a denominator already dominated by eps. NaN
 * is kept.
 *
 * <p>Arrays may be the same array at the same offset but must not otherwise overlap.
 */
public final class Updates {
  private Updates() {}

  /**
   * Plain SGD: {@code d = fma(gradScale, g, weightDecay·w); w = fma(−lr, d, w)}.
   *
   * @throws IllegalArgumentException if n is negative, an array is null or too short for its
   *     offset, lr or weightDecay is negative or not finite, or gradScale is negative or infinite
   */
  public static void sgd(int n, float lr, float weightDecay, float gradScale,
                         float[] w, int wOff, float[] g, int gOff) {
    String fn = "Updates.sgd";
    Checks.size(fn, "n", n);
    Checks.span(fn, "w", w, wOff, n);
    Checks.span(fn, "g", g, gOff, n);
    Checks.nonNegative(fn, "lr", lr);
    Checks.nonNegative(fn, "weightDecay", weightDecay);
    Checks.gradScale(fn, gradScale);

    FloatVector negLr = FloatVector.broadcast(SPECIES, -lr);
    FloatVector wd = FloatVector.broadcast(SPECIES, weightDecay);
    FloatVector gs = FloatVector.broadcast(SPECIES, gradScale);
    int i = 0;
    for (int bound = SPECIES.loopBound(n); i < bound; i += VL) {
      FloatVector wv = FloatVector.fromArray(SPECIES, w, wOff + i);
      FloatVector gv = FloatVector.fromArray(SPECIES, g, gOff + i);
      FloatVector d = gs.fma(gv, wd.mul(wv));
      negLr.fma(d, wv).intoArray(w, wOff + i);
    }
    if (i < n) { // the same operations under a mask, so tail elements get the same bits
      VectorMask<Float> mask = SPECIES.indexInRange(i, n);
      FloatVector wv = FloatVector.fromArray(SPECIES, w, wOff + i, mask);
      FloatVector gv = FloatVector.fromArray(SPECIES, g, gOff + i, mask);
      FloatVector d = gs.fma(gv, wd.mul(wv));
      negLr.fma(d, wv).intoArray(w, wOff + i, mask);
    }
  }

  /**
   * SGD with momentum, PyTorch semantics with dampening 0:
   * {@code d = fma(gradScale, g, weightDecay·w); v = flush(fma(momentum, v, d));
   * w = fma(−lr, nesterov ? fma(momentum, v, d) : v, w)} (v is the updated buffer). The buffer must
   * start at zero: PyTorch's first step copies d into it, which is what {@code momentum·0 + d} gives.
   *
   * @throws IllegalArgumentException if n is negative, an array is null or too short for its
   *     offset, lr or weightDecay is negative or not finite, momentum is outside [0, 1), or gradScale
   *     is negative or infinite
   */
  public static void momentum(int n, float lr, float momentum, boolean nesterov, float weightDecay,
                              float gradScale, float[] w, int wOff, float[] g, int gOff,
                              float[] v, int vOff) {
    String fn = "Updates.momentum";
    Checks.size(fn, "n", n);
    Checks.span(fn, "w", w, wOff, n);
    Checks.span(fn, "g", g, gOff, n);
    Checks.span(fn, "v", v, vOff, n);
    Checks.nonNegative(fn, "lr", lr);
    Checks.unitInterval(fn, "momentum", momentum);
    Checks.nonNegative(fn, "weightDecay", weightDecay);
    Checks.gradScale(fn, gradScale);

    FloatVector negLr = FloatVector.broadcast(SPECIES, -lr);
    FloatVector mu = FloatVector.broadcast(SPECIES, momentum);
    FloatVector wd = FloatVector.broadcast(SPECIES, weightDecay);
    FloatVector gs = FloatVector.broadcast(SPECIES, gradScale);
    FloatVector normal = FloatVector.broadcast(SPECIES, Float.MIN_NORMAL);
    int i = 0;
    for (int bound = SPECIES.loopBound(n); i < bound; i += VL) {
      FloatVector wv = FloatVector.fromArray(SPECIES, w, wOff + i);
      FloatVector gv = FloatVector.fromArray(SPECIES, g, gOff + i);
      FloatVector vv = FloatVector.fromArray(SPECIES, v, vOff + i);
      FloatVector d = gs.fma(gv, wd.mul(wv));
      vv = mu.fma(vv, d);
      vv = vv.blend(0f, vv.abs().compare(VectorOperators.LT, normal)); // flush
      vv.intoArray(v, vOff + i);
      // two stores rather than one step vector chosen by a conditional: a vector merged at a phi
      // can be boxed. The branch is loop-invariant, so C2 unswitches it.
      if (nesterov) {
        negLr.fma(mu.fma(vv, d), wv).intoArray(w, wOff + i);
      } else {
        negLr.fma(vv, wv).intoArray(w, wOff + i);
      }
    }
    if (i < n) {
      VectorMask<Float> mask = SPECIES.indexInRange(i, n);
      FloatVector wv = FloatVector.fromArray(SPECIES, w, wOff + i, mask);
      FloatVector gv = FloatVector.fromArray(SPECIES, g, gOff + i, mask);
      FloatVector vv = FloatVector.fromArray(SPECIES, v, vOff + i, mask);
      FloatVector d = gs.fma(gv, wd.mul(wv));
      vv = mu.fma(vv, d);
      vv = vv.blend(0f, vv.abs().compare(VectorOperators.LT, normal));
      vv.intoArray(v, vOff + i, mask);
      if (nesterov) {
        negLr.fma(mu.fma(vv, d), wv).intoArray(w, wOff + i, mask);
      } else {
        negLr.fma(vv, wv).intoArray(w, wOff + i, mask);
      }
    }
  }

  /**
   * Adam as in PyTorch (not amsgrad), with L2 weight decay coupled into the gradient. Per element:
   * <pre>{@code
   * d = fma(gradScale, g, weightDecay·w)
   * m = flush(fma(c1, d, beta1·m))
   * v = flush(fma(c2·d, d, beta2·v))
   * w = fma(−alpha, m / fma(sqrt(v), r, eps), w)
   * }</pre>
   * with float constants {@code c1 = 1 − beta1}, {@code c2 = 1 − beta2} (exact for betas ≥ 0.5)
   * and, computed once in double and rounded to float, {@code alpha = lr / (1 − beta1^step)} and
   * {@code r = 1 / sqrt(1 − beta2^step)} (powers by {@link #power}, plain double arithmetic, so they
   * are the same on every JVM). This is PyTorch's
   * {@code w −= lr/bc1 · m / (sqrt(v)/sqrt(bc2) + eps)}. m and v must start at zero. With zero gradients and state, the step is {@code 0/eps = 0}; with eps 0 it is
   * NaN.
   *
   * @param step the number of this step, counting from 1 (for the bias corrections)
   * @throws IllegalArgumentException if n is negative, an array is null or too short for its
   *     offset, lr, eps or weightDecay is negative or not finite, beta1 or beta2 is outside [0, 1),
   *     step is below 1, or gradScale is negative or infinite
   */
  public static void adam(int n, float lr, float beta1, float beta2, float eps, int step,
                          float weightDecay, float gradScale, float[] w, int wOff, float[] g, int gOff,
                          float[] m, int mOff, float[] v, int vOff) {
    String fn = "Updates.adam";
    checkAdam(fn, n, lr, beta1, beta2, eps, step, weightDecay, gradScale, w, wOff, g, gOff, m, mOff, v, vOff);
    adamLoop(n, false, -alpha(lr, beta1, step), rootCorrection(beta2, step), eps, beta1, beta2, weightDecay,
        gradScale, w, wOff, g, gOff, m, mOff, v, vOff);
  }

  /**
   * AdamW as in PyTorch: weight decay decoupled from the gradient and applied to w first, then
   * the Adam step of {@link #adam} with no decay in the gradient. Per element:
   * <pre>{@code
   * d = gradScale·g
   * m = flush(fma(c1, d, beta1·m))
   * v = flush(fma(c2·d, d, beta2·v))
   * w = fma(−alpha, m / fma(sqrt(v), r, eps), decay·w)
   * }</pre>
   * with c1, c2, alpha and r as in {@link #adam}, and {@code decay = 1 − lr·weightDecay} computed in
   * double and rounded to float (PyTorch's {@code w *= 1 − lr·wd}).
   *
   * @param step the number of this step, counting from 1 (for the bias corrections)
   * @throws IllegalArgumentException as {@link #adam}
   */
  public static void adamW(int n, float lr, float beta1, float beta2, float eps, int step,
                           float weightDecay, float gradScale, float[] w, int wOff, float[] g, int gOff,
                           float[] m, int mOff, float[] v, int vOff) {
    String fn = "Updates.adamW";
    checkAdam(fn, n, lr, beta1, beta2, eps, step, weightDecay, gradScale, w, wOff, g, gOff, m, mOff, v, vOff);
    adamLoop(n, true, -alpha(lr, beta1, step), rootCorrection(beta2, step), eps, beta1, beta2,
        (float) (1 - (double) lr * weightDecay), gradScale, w, wOff, g, gOff, m, mOff, v, vOff);
  }

  /**
   * The loop of {@link #adam} (decoupled false: {@code wdOrDecay} is the weight decay, coupled into
   * d) and {@link #adamW} (decoupled true: {@code wdOrDecay} is {@code 1 − lr·weightDecay}, applied
   * to w). The branch on decoupled is loop-invariant.
   */
  private static void adamLoop(int n, boolean decoupled, float negAlpha, float r, float eps, float beta1,
                               float beta2, float wdOrDecay, float gradScale, float[] w, int wOff,
                               float[] g, int gOff, float[] m, int mOff, float[] v, int vOff) {
    FloatVector na = FloatVector.broadcast(SPECIES, negAlpha);
    FloatVector rv = FloatVector.broadcast(SPECIES, r);
    FloatVector epsV = FloatVector.broadcast(SPECIES, eps);
    FloatVector b1 = FloatVector.broadcast(SPECIES, beta1);
    FloatVector b2 = FloatVector.broadcast(SPECIES, beta2);
    FloatVector c1 = FloatVector.broadcast(SPECIES, 1f - beta1);
    FloatVector c2 = FloatVector.broadcast(SPECIES, 1f - beta2);
    FloatVector wd = FloatVector.broadcast(SPECIES, wdOrDecay);
    FloatVector gs = FloatVector.broadcast(SPECIES, gradScale);
    FloatVector normal = FloatVector.broadcast(SPECIES, Float.MIN_NORMAL);
    int i = 0;
    for (int bound = SPECIES.loopBound(n); i < bound; i += VL) {
      FloatVector wv = FloatVector.fromArray(SPECIES, w, wOff + i);
      FloatVector gv = FloatVector.fromArray(SPECIES, g, gOff + i);
      FloatVector mv = FloatVector.fromArray(SPECIES, m, mOff + i);
      FloatVector vv = FloatVector.fromArray(SPECIES, v, vOff + i);
      FloatVector d = decoupled ? gs.mul(gv) : gs.fma(gv, wd.mul(wv));
      mv = c1.fma(d, b1.mul(mv));
      mv = mv.blend(0f, mv.abs().compare(VectorOperators.LT, normal)); // flush
      vv = c2.mul(d).fma(d, b2.mul(vv));
      vv = vv.blend(0f, vv.abs().compare(VectorOperators.LT, normal));
      mv.intoArray(m, mOff + i);
      vv.intoArray(v, vOff + i);
      na.fma(mv.div(vv.sqrt().fma(rv, epsV)), decoupled ? wd.mul(wv) : wv).intoArray(w, wOff + i);
    }
    if (i < n) { // inactive lanes may compute 0/0 (eps = 0); they are never stored
      VectorMask<Float> mask = SPECIES.indexInRange(i, n);
      FloatVector wv = FloatVector.fromArray(SPECIES, w, wOff + i, mask);
      FloatVector gv = FloatVector.fromArray(SPECIES, g, gOff + i, mask);
      FloatVector mv = FloatVector.fromArray(SPECIES, m, mOff + i, mask);
      FloatVector vv = FloatVector.fromArray(SPECIES, v, vOff + i, mask);
      FloatVector d = decoupled ? gs.mul(gv) : gs.fma(gv, wd.mul(wv));
      mv = c1.fma(d, b1.mul(mv));
      mv = mv.blend(0f, mv.abs().compare(VectorOperators.LT, normal));
      vv = c2.mul(d).fma(d, b2.mul(vv));
      vv = vv.blend(0f, vv.abs().compare(VectorOperators.LT, normal));
      mv.intoArray(m, mOff + i, mask);
      vv.intoArray(v, vOff + i, mask);
      na.fma(mv.div(vv.sqrt().fma(rv, epsV)), decoupled ? wd.mul(wv) : wv).intoArray(w, wOff + i, mask);
    }
  }

  /**
   * {@code x = s·x}: the clip step on its own, for when the update cannot take a gradScale.
   *
   * @throws IllegalArgumentException if n is negative or x is null or too short for xOff
   */
  public static void scale(int n, float s, float[] x, int xOff) {
    String fn = "Updates.scale";
    Checks.size(fn, "n", n);
    Checks.span(fn, "x", x, xOff, n);

    FloatVector sv = FloatVector.broadcast(SPECIES, s);
    int i = 0;
    for (int bound = SPECIES.loopBound(n); i < bound; i += VL) {
      sv.mul(FloatVector.fromArray(SPECIES, x, xOff + i)).intoArray(x, xOff + i);
    }
    if (i < n) {
      VectorMask<Float> mask = SPECIES.indexInRange(i, n);
      sv.mul(FloatVector.fromArray(SPECIES, x, xOff + i, mask)).intoArray(x, xOff + i, mask);
    }
  }

  /** {@code lr / (1 − beta1^step)} in double, rounded once to float. */
  private static float alpha(float lr, float beta1, int step) {
    return (float) (lr / (1 - power(beta1, step)));
  }

  /** {@code 1 / sqrt(1 − beta2^step)} in double, rounded once to float. */
  private static float rootCorrection(float beta2, int step) {
    return (float) (1 / Math.sqrt(1 - power(beta2, step)));
  }

  /**
   * {@code beta^step} (1 for step ≤ 0) by repeated squaring in double. Squaring doubles a factor's
   * relative error, so the result's is below (step + 64)·2⁻⁵³: 1e-12 up to step 10⁴, the steps where
   * 1 − beta^step differs from 1, and the corrections are rounded to float. Not StrictMath.pow: its
   * code declares three small arrays per call, which C2 keeps as allocations when the method is too
   * big to inline (192 bytes per Adam step). Public for the learning-rate schedules' powers.
   */
  public static double power(float beta, int step) {
    double result = 1, square = beta;
    for (int e = step; e > 0; e >>>= 1) {
      if ((e & 1) != 0) {
        result *= square;
      }
      square *= square;
    }
    return result;
  }

  private static void checkAdam(String fn, int n, float lr, float beta1, float beta2, float eps, int step,
                                float weightDecay, float gradScale, float[] w, int wOff, float[] g, int gOff,
                                float[] m, int mOff, float[] v, int vOff) {
    Checks.size(fn, "n", n);
    Checks.span(fn, "w", w, wOff, n);
    Checks.span(fn, "g", g, gOff, n);
    Checks.span(fn, "m", m, mOff, n);
    Checks.span(fn, "v", v, vOff, n);
    Checks.nonNegative(fn, "lr", lr);
    Checks.unitInterval(fn, "beta1", beta1);
    Checks.unitInterval(fn, "beta2", beta2);
    Checks.nonNegative(fn, "eps", eps);
    if (step < 1) {
      throw new IllegalArgumentException(fn + ": step=" + step + " must be >= 1 (steps count from 1)");
    }
    Checks.nonNegative(fn, "weightDecay", weightDecay);
    Checks.gradScale(fn, gradScale);
  }
}
