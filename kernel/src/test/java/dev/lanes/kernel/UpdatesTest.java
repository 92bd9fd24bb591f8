package dev.lanes.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each update against two scalar twins: one doing the documented float operations (must give the
 * same bits), one the textbook formula in double (PyTorch's form), which must agree within twice a
 * first-order running error bound computed per element from the values (u = 2⁻²⁴ per rounding,
 * propagated through every operation; the worst element observed reaches 0.998 of it, as the
 * final rounding alone can). The bounds are ~1e-7 relative; a wrong formula (missing
 * weight decay or gradScale, missing Nesterov term, wrong bias correction, coupled vs decoupled
 * decay) misses them by orders of magnitude, which {@link #boundsCatchWrongFormulas} checks.
 */
class UpdatesTest {
  private static final int VL = GemmBlocking.VL;
  static final int[] LENGTHS = {0, 1, VL - 1, VL, VL + 1, 2 * VL + 3, 1000, 100003};
  private static final double U = 0x1p-24;
  /** The double twin may differ from the kernel by this many times its first-order bound. */
  private static final double SLACK = 2;
  private static final int STEPS = 5;
  // different offsets, so the four arrays are misaligned against each other
  private static final int W_OFF = 3, G_OFF = 1, M_OFF = 6, V_OFF = 2, PAD = 5;

  /** One optimizer configuration: the kernel and its two twins, one element at a time. */
  interface Optimizer {
    void kernel(int n, int step, float[] w, int wOff, float[] g, int gOff, float[] m, int mOff,
                float[] v, int vOff);

    /** The documented float operations: {w, m, v} after the step. */
    float[] floatTwin(int step, float w, float g, float m, float v);

    /** The formula in double: {w, m, v} after the step and first-order bounds on their float errors. */
    double[] doubleTwin(int step, double w, double g, double m, double v);
  }

  record Sgd(float lr, float wd, float gs) implements Optimizer {
    public void kernel(int n, int step, float[] w, int wOff, float[] g, int gOff, float[] m, int mOff,
                       float[] v, int vOff) {
      Updates.sgd(n, lr, wd, gs, w, wOff, g, gOff);
    }

    public float[] floatTwin(int step, float w, float g, float m, float v) {
      float d = Math.fma(gs, g, wd * w);
      return new float[] {Math.fma(-lr, d, w), m, v};
    }

    public double[] doubleTwin(int step, double w, double g, double m, double v) {
      double d = gs * g + wd * w;
      double w1 = w - lr * d;
      double errD = U * (Math.abs(wd * w) + Math.abs(d)); // wd·w, then the fma
      return new double[] {w1, m, v, lr * errD + U * Math.abs(w1), 0, 0};
    }
  }

  record Momentum(float lr, float mu, boolean nesterov, float wd, float gs) implements Optimizer {
    public void kernel(int n, int step, float[] w, int wOff, float[] g, int gOff, float[] m, int mOff,
                       float[] v, int vOff) {
      Updates.momentum(n, lr, mu, nesterov, wd, gs, w, wOff, g, gOff, v, vOff);
    }

    public float[] floatTwin(int step, float w, float g, float m, float v) {
      float d = Math.fma(gs, g, wd * w);
      float v1 = flush(Math.fma(mu, v, d));
      float q = nesterov ? Math.fma(mu, v1, d) : v1;
      return new float[] {Math.fma(-lr, q, w), m, v1};
    }

    public double[] doubleTwin(int step, double w, double g, double m, double v) {
      double d = gs * g + wd * w;
      double v1 = mu * v + d;
      double q = nesterov ? d + mu * v1 : v1;
      double w1 = w - lr * q;
      double errD = U * (Math.abs(wd * w) + Math.abs(d));
      double errV = errD + U * Math.abs(v1);
      double errQ = nesterov ? mu * errV + errD + U * Math.abs(q) : errV;
      return new double[] {w1, m, v1, lr * errQ + U * Math.abs(w1), 0, errV};
    }
  }

  /** Adam, or AdamW when decoupled. */
  record Adam(float lr, float b1, float b2, float eps, float wd, float gs, boolean decoupled)
      implements Optimizer {
    public void kernel(int n, int step, float[] w, int wOff, float[] g, int gOff, float[] m, int mOff,
                       float[] v, int vOff) {
      if (decoupled) {
        Updates.adamW(n, lr, b1, b2, eps, step, wd, gs, w, wOff, g, gOff, m, mOff, v, vOff);
      } else {
        Updates.adam(n, lr, b1, b2, eps, step, wd, gs, w, wOff, g, gOff, m, mOff, v, vOff);
      }
    }

    public float[] floatTwin(int step, float w, float g, float m, float v) {
      float alpha = (float) (lr / (1 - Updates.power(b1, step)));
      float r = (float) (1 / Math.sqrt(1 - Updates.power(b2, step)));
      float w0 = decoupled ? (float) (1 - (double) lr * wd) * w : w;
      float d = decoupled ? gs * g : Math.fma(gs, g, wd * w);
      float m1 = flush(Math.fma(1f - b1, d, b1 * m));
      float v1 = flush(Math.fma((1f - b2) * d, d, b2 * v));
      float den = Math.fma((float) Math.sqrt(v1), r, eps);
      return new float[] {Math.fma(-alpha, m1 / den, w0), m1, v1};
    }

    public double[] doubleTwin(int step, double w, double g, double m, double v) {
      double bc1 = 1 - Math.pow(b1, step), bc2 = 1 - Math.pow(b2, step);
      double w0 = decoupled ? w * (1 - (double) lr * wd) : w;
      double d = decoupled ? gs * g : gs * g + wd * w;
      double m1 = b1 * m + (1 - b1) * d;
      double v1 = b2 * v + (1 - b2) * d * d;
      double den = Math.sqrt(v1) / Math.sqrt(bc2) + eps;
      double q = m1 / den;
      double w1 = w0 - lr / bc1 * q;

      // first-order error of each float operation, in the order the kernel does them
      double c1 = 1 - b1, c2 = 1 - b2, r = 1 / Math.sqrt(bc2), alpha = lr / bc1, s = Math.sqrt(v1);
      double errW0 = decoupled ? 2 * U * Math.abs(w0) : 0; // decay rounded, then the product
      double errD = decoupled ? U * Math.abs(d) : U * (Math.abs(wd * w) + Math.abs(d));
      double errM = c1 * errD + U * c1 * Math.abs(d) + U * b1 * Math.abs(m) + U * Math.abs(m1);
      double t = c2 * d;
      double errT = U * Math.abs(t) + c2 * errD + U * c2 * Math.abs(d);
      double errV = errT * Math.abs(d) + Math.abs(t) * errD + U * b2 * v + U * v1;
      double errS = Math.min(errV / s, Math.sqrt(errV)) + U * s;
      double errDen = errS * r + U * s * r + U * den;
      double denLow = den - errDen; // the float denominator is at least this
      double errQ = denLow > 0 ? (errM + Math.abs(q) * errDen) / denLow + U * Math.abs(q) : Double.POSITIVE_INFINITY;
      double errW = errW0 + alpha * errQ + U * alpha * Math.abs(q) + U * Math.abs(w1);
      return new double[] {w1, m1, v1, errW, errM, errV};
    }
  }

  /** The twins of {@code o} at another step: a wrong bias correction. */
  record StepShifted(Optimizer o, int by) implements Optimizer {
    public void kernel(int n, int step, float[] w, int wOff, float[] g, int gOff, float[] m, int mOff,
                       float[] v, int vOff) {
      o.kernel(n, step, w, wOff, g, gOff, m, mOff, v, vOff);
    }

    public float[] floatTwin(int step, float w, float g, float m, float v) {
      return o.floatTwin(step, w, g, m, v);
    }

    public double[] doubleTwin(int step, double w, double g, double m, double v) {
      return o.doubleTwin(step + by, w, g, m, v);
    }
  }

  static final List<Optimizer> OPTIMIZERS = List.of(
      new Sgd(0.05f, 0f, 1f),
      new Sgd(0.05f, 0.01f, 0.37f),
      new Momentum(0.05f, 0.9f, false, 0.01f, 0.37f),
      new Momentum(0.05f, 0.9f, true, 0.01f, 0.37f),
      new Momentum(0.1f, 0.5f, true, 0f, 1f),
      new Adam(0.01f, 0.9f, 0.999f, 1e-8f, 0f, 1f, false),
      new Adam(0.01f, 0.8f, 0.99f, 1e-6f, 0.01f, 0.37f, false),
      new Adam(0.01f, 0.3f, 0.45f, 1e-3f, 0.02f, 1.5f, false), // 1 - beta not exact in float
      new Adam(0.01f, 0.9f, 0.999f, 1e-8f, 0.1f, 1f, true),
      new Adam(0.003f, 0.8f, 0.99f, 1e-6f, 0.3f, 0.37f, true));

  static Stream<Arguments> cases() {
    List<Arguments> cases = new ArrayList<>();
    for (Optimizer o : OPTIMIZERS) {
      for (int n : LENGTHS) {
        cases.add(Arguments.of(o, n));
      }
    }
    return cases.stream();
  }

  /** A signed value of magnitude in [2^lo, 2^(hi+1)). */
  static float mixed(SplittableRandom rnd, int lo, int hi) {
    float mag = (float) Math.scalb(1 + rnd.nextDouble(), lo + rnd.nextInt(hi - lo + 1));
    return rnd.nextBoolean() ? mag : -mag;
  }

  /**
   * Parameters, gradients and state at offsets (plus a shift), with random values around them.
   * The values inside depend only on the seed and n, not on the shift.
   */
  static final class Run {
    final int n, wOff, gOff, mOff, vOff;
    final float[] w, g, m, v;
    final SplittableRandom rnd;

    Run(int n, int shift, long seed) {
      this.n = n;
      wOff = W_OFF + shift;
      gOff = G_OFF + shift;
      mOff = M_OFF + shift;
      vOff = V_OFF + shift;
      SplittableRandom around = new SplittableRandom(seed ^ 0x5eed);
      w = surrounded(around, wOff, n);
      g = surrounded(around, gOff, n);
      m = surrounded(around, mOff, n);
      v = surrounded(around, vOff, n);
      rnd = new SplittableRandom(seed);
      for (int i = 0; i < n; i++) {
        w[wOff + i] = mixed(rnd, -7, 1);
      }
      Arrays.fill(m, mOff, mOff + n, 0f); // optimizer state starts at zero
      Arrays.fill(v, vOff, vOff + n, 0f);
    }

    static float[] surrounded(SplittableRandom rnd, int off, int n) {
      float[] x = new float[off + n + PAD];
      for (int i = 0; i < x.length; i++) {
        x[i] = mixed(rnd, -3, 3);
      }
      return x;
    }

    void newGradients() {
      for (int i = 0; i < n; i++) {
        g[gOff + i] = mixed(rnd, -12, 3);
      }
    }

    /**
     * One step of {@code kernel}: asserts that it gives the float twin's bits and writes nothing
     * outside its ranges; returns the worst error against {@code reference}'s double twin in units
     * of its bound.
     */
    double step(Optimizer kernel, Optimizer reference, int step) {
      float[] w0 = w.clone(), g0 = g.clone(), m0 = m.clone(), v0 = v.clone();
      kernel.kernel(n, step, w, wOff, g, gOff, m, mOff, v, vOff);
      assertArrayEquals(g0, g, "g was written");
      untouchedOutside("w", w0, w, wOff, n);
      untouchedOutside("m", m0, m, mOff, n);
      untouchedOutside("v", v0, v, vOff, n);
      double worst = 0;
      for (int i = 0; i < n; i++) {
        float wi = w0[wOff + i], gi = g0[gOff + i], mi = m0[mOff + i], vi = v0[vOff + i];
        float[] f = kernel.floatTwin(step, wi, gi, mi, vi);
        float[] got = {w[wOff + i], m[mOff + i], v[vOff + i]};
        for (int k = 0; k < 3; k++) {
          if (Float.floatToIntBits(got[k]) != Float.floatToIntBits(f[k])) {
            fail(kernel + " n=" + n + " step " + step + " element " + i + ": " + "wmv".charAt(k) + "="
                + got[k] + ", float twin " + f[k] + " (w=" + wi + ", g=" + gi + ", m=" + mi + ", v=" + vi + ")");
          }
        }
        double[] d = reference.doubleTwin(step, wi, gi, mi, vi);
        for (int k = 0; k < 3; k++) {
          double err = Math.abs(got[k] - d[k]);
          worst = Math.max(worst, err == 0 ? 0 : err / d[3 + k]);
        }
      }
      return worst;
    }
  }

  static void untouchedOutside(String name, float[] before, float[] after, int off, int n) {
    assertArrayEquals(Arrays.copyOfRange(before, 0, off), Arrays.copyOfRange(after, 0, off),
        name + " was written before its offset");
    assertArrayEquals(Arrays.copyOfRange(before, off + n, before.length),
        Arrays.copyOfRange(after, off + n, after.length), name + " was written past its n elements");
  }

  @ParameterizedTest(name = "{0} n={1}")
  @MethodSource("cases")
  void matchesTwinsOverSteps(Optimizer o, int n) {
    Run run = new Run(n, 0, 1234 + n);
    double worst = 0;
    for (int step = 1; step <= STEPS; step++) {
      run.newGradients();
      worst = Math.max(worst, run.step(o, o, step));
    }
    assertTrue(worst <= SLACK, o + " n=" + n + ": error " + worst + " times the first-order bound");
  }

  @Test
  void boundsCatchWrongFormulas() {
    Sgd sgd = new Sgd(0.05f, 0.01f, 0.37f);
    Momentum nesterov = new Momentum(0.05f, 0.9f, true, 0.01f, 0.37f);
    Adam adam = new Adam(0.01f, 0.9f, 0.999f, 1e-8f, 0.1f, 0.37f, false);
    Adam adamW = new Adam(0.01f, 0.9f, 0.999f, 1e-8f, 0.1f, 0.37f, true);
    Object[][] wrong = {
        {sgd, new Sgd(0.05f, 0f, 0.37f), "weight decay left out"},
        {sgd, new Sgd(0.05f, 0.01f, 1f), "gradScale left out"},
        {nesterov, new Momentum(0.05f, 0.9f, false, 0.01f, 0.37f), "Nesterov term left out"},
        {nesterov, new Momentum(0.05f, 0.8f, true, 0.01f, 0.37f), "momentum 0.8 for 0.9"},
        {adam, new StepShifted(adam, 1), "bias correction of the next step"},
        {adam, adamW, "decoupled weight decay for coupled"},
        {adamW, adam, "coupled weight decay for decoupled"},
        {adam, new Adam(0.01f, 0.9f, 0.99f, 1e-8f, 0.1f, 0.37f, false), "beta2 0.99 for 0.999"},
    };
    for (Object[] c : wrong) {
      Run run = new Run(1000, 0, 99);
      double worst = 0;
      for (int step = 1; step <= 3; step++) {
        run.newGradients();
        worst = Math.max(worst, run.step((Optimizer) c[0], (Optimizer) c[1], step));
      }
      assertTrue(worst > 100 * SLACK, c[2] + " passes: error only " + worst + " times the bound");
    }
  }

  /** The same values at other alignments, and on a prefix, give the same bits. */
  @Test
  void bitsDependOnlyOnTheElement() {
    int n = 4 * VL + 5;
    for (Optimizer o : OPTIMIZERS) {
      Run base = new Run(n, 0, 7);
      List<Run> shifted = new ArrayList<>();
      for (int s = 1; s <= VL; s++) {
        shifted.add(new Run(n, s, 7));
      }
      for (int step = 1; step <= 3; step++) {
        base.newGradients();
        base.step(o, o, step);
        for (Run r : shifted) {
          r.newGradients();
          o.kernel(n, step, r.w, r.wOff, r.g, r.gOff, r.m, r.mOff, r.v, r.vOff);
          assertArrayEquals(Arrays.copyOfRange(base.w, base.wOff, base.wOff + n),
              Arrays.copyOfRange(r.w, r.wOff, r.wOff + n), o + " w at shift " + (r.wOff - W_OFF));
          assertArrayEquals(Arrays.copyOfRange(base.m, base.mOff, base.mOff + n),
              Arrays.copyOfRange(r.m, r.mOff, r.mOff + n), o + " m at shift " + (r.wOff - W_OFF));
          assertArrayEquals(Arrays.copyOfRange(base.v, base.vOff, base.vOff + n),
              Arrays.copyOfRange(r.v, r.vOff, r.vOff + n), o + " v at shift " + (r.wOff - W_OFF));
        }
      }
      // a prefix of the same data: its tail now falls where the full run had whole vectors
      Run full = new Run(n, 0, 11), prefix = new Run(n, 0, 11);
      full.newGradients();
      prefix.newGradients();
      int p = n - VL - 2;
      o.kernel(n, 1, full.w, full.wOff, full.g, full.gOff, full.m, full.mOff, full.v, full.vOff);
      o.kernel(p, 1, prefix.w, prefix.wOff, prefix.g, prefix.gOff, prefix.m, prefix.mOff, prefix.v, prefix.vOff);
      assertArrayEquals(Arrays.copyOfRange(full.w, full.wOff, full.wOff + p),
          Arrays.copyOfRange(prefix.w, prefix.wOff, prefix.wOff + p), o + " w on a prefix");
    }
  }

  /**
   * Called until C2 compiles it, each update still gives the float twin's bits (which every tier
   * computes alike: fma, sqrt and division are correctly rounded).
   */
  @Test
  void sameBitsOnceCompiled() {
    int n = 2 * VL + 3;
    for (Optimizer o : OPTIMIZERS) {
      Run run = new Run(n, 0, 13);
      run.newGradients();
      float[] w0 = run.w.clone(), m0 = run.m.clone(), v0 = run.v.clone();
      for (int i = 0; i < n; i++) { // some state, as after a few steps
        m0[run.mOff + i] = mixed(run.rnd, -12, 1);
        v0[run.vOff + i] = Math.abs(mixed(run.rnd, -20, 1));
      }
      float[][] want = new float[n][];
      for (int i = 0; i < n; i++) {
        want[i] = o.floatTwin(3, w0[run.wOff + i], run.g[run.gOff + i], m0[run.mOff + i], v0[run.vOff + i]);
      }
      for (int call = 0; call < 10_000; call++) {
        System.arraycopy(w0, 0, run.w, 0, w0.length);
        System.arraycopy(m0, 0, run.m, 0, m0.length);
        System.arraycopy(v0, 0, run.v, 0, v0.length);
        o.kernel(n, 3, run.w, run.wOff, run.g, run.gOff, run.m, run.mOff, run.v, run.vOff);
        for (int i = 0; i < n; i++) {
          if (Float.floatToIntBits(run.w[run.wOff + i]) != Float.floatToIntBits(want[i][0])
              || Float.floatToIntBits(run.m[run.mOff + i]) != Float.floatToIntBits(want[i][1])
              || Float.floatToIntBits(run.v[run.vOff + i]) != Float.floatToIntBits(want[i][2])) {
            fail(o + ": call " + call + " differs from the float twin at element " + i);
          }
        }
      }
    }
  }

  /**
   * A NaN gradient makes its weight NaN; an infinite one makes it infinite (SGD, momentum) or NaN
   * (Adam, AdamW: ∞/∞). Neighbours keep their values. Checked in the main loop and the tail.
   */
  @Test
  void nonFiniteGradientsPropagateToTheirWeightsOnly() {
    int n = 2 * VL + 3;
    int[] nanAt = {1, 2 * VL + 1};
    int infAt = 2 * VL + 2;
    for (Optimizer o : OPTIMIZERS) {
      Run clean = new Run(n, 0, 5), dirty = new Run(n, 0, 5);
      clean.newGradients();
      dirty.newGradients();
      for (int i : nanAt) {
        dirty.g[dirty.gOff + i] = Float.NaN;
      }
      dirty.g[dirty.gOff + infAt] = Float.POSITIVE_INFINITY;
      clean.step(o, o, 1);
      dirty.step(o, o, 1); // the float twin agrees on the NaNs too
      for (int i = 0; i < n; i++) {
        float w = dirty.w[dirty.wOff + i];
        if (i == nanAt[0] || i == nanAt[1]) {
          assertTrue(Float.isNaN(w), o + ": NaN gradient at " + i + " gave w=" + w);
        } else if (i == infAt) {
          if (o instanceof Adam) {
            assertTrue(Float.isNaN(w), o + ": infinite gradient gave w=" + w);
          } else {
            assertEquals(Float.NEGATIVE_INFINITY, w, o + ": +∞ gradient gave w=" + w);
          }
        } else {
          assertEquals(clean.w[clean.wOff + i], w, o + ": element " + i + " changed by a neighbour");
        }
      }
    }
    // gradScale 0 multiplies, so it does not hide a NaN gradient
    float[] w = {1f, 2f}, g = {Float.NaN, 3f};
    Updates.sgd(2, 0.1f, 0f, 0f, w, 0, g, 0);
    assertTrue(Float.isNaN(w[0]));
    assertEquals(2f, w[1]);
  }

  /** gradScale 0 without weight decay leaves the weights' bits as they were. */
  @Test
  void gradScaleZeroLeavesWeights() {
    Optimizer[] zeroScale = {new Sgd(0.05f, 0f, 0f), new Momentum(0.05f, 0.9f, true, 0f, 0f),
        new Adam(0.01f, 0.9f, 0.999f, 1e-8f, 0f, 0f, false), new Adam(0.01f, 0.9f, 0.999f, 1e-8f, 0f, 0f, true)};
    for (Optimizer o : zeroScale) {
      Run run = new Run(1000, 0, 3);
      float[] w0 = run.w.clone();
      for (int step = 1; step <= 3; step++) {
        run.newGradients();
        run.step(o, o, step);
      }
      assertArrayEquals(w0, run.w, o.toString());
    }
  }

  /** Zero gradients and state: Adam's step is 0/eps = 0, so weights stay finite (and unchanged without decay). */
  @Test
  void zeroGradientsKeepAdamFinite() {
    int n = 2 * VL + 3;
    for (boolean decoupled : new boolean[] {false, true}) {
      for (float wd : new float[] {0f, 0.1f}) {
        Adam o = new Adam(0.01f, 0.9f, 0.999f, 1e-8f, wd, 1f, decoupled);
        Run run = new Run(n, 0, 4);
        Arrays.fill(run.g, run.gOff, run.gOff + n, 0f);
        float[] w0 = run.w.clone();
        for (int step = 1; step <= STEPS; step++) {
          run.step(o, o, step);
        }
        for (int i = 0; i < n; i++) {
          assertTrue(Float.isFinite(run.w[run.wOff + i]), o + ": w not finite at " + i);
        }
        if (wd == 0) {
          assertArrayEquals(w0, run.w, o + " moved weights with zero gradients");
        } else if (decoupled) { // only the decay acts: w·decay per step
          float decay = (float) (1 - (double) 0.01f * 0.1f);
          for (int i = 0; i < n; i++) {
            float want = w0[run.wOff + i];
            for (int s = 0; s < STEPS; s++) {
              want *= decay;
            }
            assertEquals(want, run.w[run.wOff + i], o + " at " + i);
          }
        }
      }
    }
    // eps 0 makes the zero step 0/0: documented as NaN
    float[] w = {1f}, g = {0f}, m = {0f}, v = {0f};
    Updates.adam(1, 0.01f, 0.9f, 0.999f, 0f, 1, 0f, 1f, w, 0, g, 0, m, 0, v, 0);
    assertTrue(Float.isNaN(w[0]));
  }

  @ParameterizedTest(name = "n={0}")
  @MethodSource("lengths")
  void scaleIsOneRoundedProduct(int n) {
    for (float s : new float[] {0.37f, -2f, 0f, 1f}) {
      Run run = new Run(n, 0, 21);
      float[] x0 = run.w.clone();
      Updates.scale(n, s, run.w, run.wOff);
      untouchedOutside("x", x0, run.w, run.wOff, n);
      for (int i = 0; i < n; i++) {
        float x = x0[run.wOff + i];
        assertEquals(Float.floatToIntBits(s * x), Float.floatToIntBits(run.w[run.wOff + i]),
            "s=" + s + " x=" + x + " at " + i);
      }
    }
  }

  static Stream<Integer> lengths() {
    return Arrays.stream(LENGTHS).boxed();
  }

  private static void rejects(String expectedInMessage, float[] written, Runnable call) {
    float[] before = written.clone();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
    assertTrue(e.getMessage().contains(expectedInMessage),
        "message '" + e.getMessage() + "' should mention '" + expectedInMessage + "'");
    assertArrayEquals(before, written, "written before the check failed");
  }

  @Test
  void badArgumentsAreNamedBeforeAnyWrite() {
    float[] w = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, g = new float[10], m = new float[10], v = new float[10];
    Arrays.fill(g, 0.5f);
    rejects("sgd: n=-1", w, () -> Updates.sgd(-1, 0.1f, 0f, 1f, w, 0, g, 0));
    rejects("wOff=-2", w, () -> Updates.sgd(4, 0.1f, 0f, 1f, w, -2, g, 0));
    rejects("g is too short at gOff=3 for 8 elements: needs 11, has 10", w,
        () -> Updates.sgd(8, 0.1f, 0f, 1f, w, 0, g, 3));
    rejects("w is too short", w, () -> Updates.sgd(1, 0.1f, 0f, 1f, w, 11, g, 0));
    rejects("gradScale=-1.0", w, () -> Updates.sgd(4, 0.1f, 0f, -1f, w, 0, g, 0));
    rejects("gradScale=Infinity", w, () -> Updates.sgd(4, 0.1f, 0f, Float.POSITIVE_INFINITY, w, 0, g, 0));
    rejects("momentum: v is null", w, () -> Updates.momentum(4, 0.1f, 0.9f, false, 0f, 1f, w, 0, g, 0, null, 0));
    rejects("momentum=1.0", w, () -> Updates.momentum(4, 0.1f, 1f, true, 0f, 1f, w, 0, g, 0, v, 0));
    rejects("weightDecay=-0.1", w, () -> Updates.momentum(4, 0.1f, 0.9f, false, -0.1f, 1f, w, 0, g, 0, v, 0));
    rejects("adam: lr=-0.1", w, () -> Updates.adam(4, -0.1f, 0.9f, 0.999f, 1e-8f, 1, 0f, 1f, w, 0, g, 0, m, 0, v, 0));
    rejects("lr=NaN", w, () -> Updates.adam(4, Float.NaN, 0.9f, 0.999f, 1e-8f, 1, 0f, 1f, w, 0, g, 0, m, 0, v, 0));
    rejects("beta1=1.0", w, () -> Updates.adam(4, 0.1f, 1f, 0.999f, 1e-8f, 1, 0f, 1f, w, 0, g, 0, m, 0, v, 0));
    rejects("beta2=-0.5", w, () -> Updates.adam(4, 0.1f, 0.9f, -0.5f, 1e-8f, 1, 0f, 1f, w, 0, g, 0, m, 0, v, 0));
    rejects("eps=-1.0E-8", w, () -> Updates.adam(4, 0.1f, 0.9f, 0.999f, -1e-8f, 1, 0f, 1f, w, 0, g, 0, m, 0, v, 0));
    rejects("m is too short", w, () -> Updates.adam(4, 0.1f, 0.9f, 0.999f, 1e-8f, 1, 0f, 1f, w, 0, g, 0, m, 7, v, 0));
    rejects("adamW: step=0", w, () -> Updates.adamW(4, 0.1f, 0.9f, 0.999f, 1e-8f, 0, 0f, 1f, w, 0, g, 0, m, 0, v, 0));
    rejects("weightDecay=Infinity", w,
        () -> Updates.adamW(4, 0.1f, 0.9f, 0.999f, 1e-8f, 1, Float.POSITIVE_INFINITY, 1f, w, 0, g, 0, m, 0, v, 0));
    rejects("scale: x is too short at xOff=9 for 2 elements", w, () -> Updates.scale(2, 3f, w, 9));
    // n == 0 is a no-op, also at the very end of the arrays
    Updates.sgd(0, 0.1f, 0f, 1f, w, 10, g, 10);
    Updates.adamW(0, 0.1f, 0.9f, 0.999f, 1e-8f, 1, 0f, 1f, w, 10, g, 0, m, 10, v, 10);
  }

  @Test
  void powerMatchesStrictMathAndAllocatesNothing() {
    float[] betas = {0.9f, 0.99f, 0.999f, 0.9999f, 0.5f, 0f, 1f};
    int[] steps = {0, 1, 2, 3, 7, 10, 100, 1000, 4097, 100_000, 10_000_000, Integer.MAX_VALUE};
    for (float beta : betas) {
      for (int step : steps) {
        double exact = StrictMath.pow(beta, step), got = Updates.power(beta, step);
        double bound = (step + 64.0) * 0x1p-53 * exact; // squaring doubles a factor's relative error
        assertTrue(Math.abs(got - exact) <= bound || exact < Double.MIN_NORMAL && got < 1e-300,
            beta + "^" + step + ": " + got + " vs " + exact);
      }
    }
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    double sink = 0;
    for (int i = 0; i < 20_000; i++) { // compiled by C1 and C2 on the way
      sink += Updates.power(0.999f, i);
    }
    long before = mx.getCurrentThreadAllocatedBytes();
    for (int i = 0; i < 20_000; i++) {
      sink += Updates.power(0.999f, i);
    }
    long bytes = mx.getCurrentThreadAllocatedBytes() - before; // a one-off JIT event may allocate a few dozen
    assertTrue(bytes < 1024, bytes + " bytes allocated by 20 000 calls"); // StrictMath.pow: 96 per call
    assertTrue(sink > 0);
  }

  /** The documented flush of optimizer state: subnormal magnitudes become +0, NaN stays. */
  static float flush(float x) {
    return Math.abs(x) < Float.MIN_NORMAL ? 0f : x;
  }

  /**
   * A state that decays under a zero gradient is stored as +0 once it would be subnormal, in the
   * vector body and the masked tail alike; normal values and NaN are kept.
   */
  @Test
  void subnormalStateIsStoredAsZero() {
    float[] start = {1.2e-38f, -1.2e-38f, 1e-30f, Float.NaN, 2e-38f};
    int n = VL + start.length; // the first VL elements go through the vector body, the rest the tail
    for (String opt : new String[] {"momentum", "adam"}) {
      float[] w = new float[n], g = new float[n], m = new float[n], v = new float[n];
      java.util.Arrays.fill(w, 1f);
      for (int i = 0; i < n; i++) {
        m[i] = start[i % start.length];
        v[i] = start[i % start.length];
      }
      if (opt.equals("momentum")) {
        Updates.momentum(n, 0.1f, 0.9f, false, 0f, 1f, w, 0, g, 0, v, 0);
      } else {
        Updates.adam(n, 0.1f, 0.5f, 0.5f, 1e-8f, 1, 0f, 1f, w, 0, g, 0, m, 0, v, 0);
      }
      for (int i = 0; i < n; i++) {
        float s = start[i % start.length];
        float decayed = opt.equals("momentum") ? 0.9f * s : 0.5f * s;
        String at = opt + " at " + i + " from " + s;
        assertEquals(Float.floatToIntBits(flush(decayed)), Float.floatToIntBits(v[i]), at);
        if (opt.equals("adam")) {
          assertEquals(Float.floatToIntBits(flush(decayed)), Float.floatToIntBits(m[i]), at);
        }
      }
      assertEquals(0, Float.floatToIntBits(v[0]), opt + ": 1.08e-38 is subnormal, stored as +0");
      assertEquals(0, Float.floatToIntBits(v[1]), opt + ": so is its negative, stored as +0");
      assertEquals(1e-30f * (opt.equals("momentum") ? 0.9f : 0.5f), v[2], opt + ": a normal value is kept");
    }
  }
}
