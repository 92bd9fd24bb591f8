package dev.lanes.kernel;

import static dev.lanes.kernel.GemmBlocking.VL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The loss loops against double-precision twins, their gradients against central differences of
 * the twins, and their behaviour on extreme inputs.
 */
class LossesTest {
  static final int[] CLASSES = {1, 2, VL - 1, VL, VL + 1, 10, 2 * VL + 3, 100};
  /** Losses are summed in double, so only the per-element float work errs: a few ulp relative. */
  static final double LOSS_TOLERANCE = 1e-6;
  /** Gradient elements: exp's ulps on probabilities ≤ 1, relative to 1/batch. */
  static final double GRADIENT_TOLERANCE = 4e-7;

  // ---- twins --------------------------------------------------------------------------------

  static double softmaxCeTwin(int m, int n, float[] x, int off, int ld, int[] labels) {
    double total = 0;
    for (int i = 0; i < m; i++) {
      double max = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < n; j++) {
        max = Math.max(max, x[off + i * ld + j]);
      }
      double sum = 0;
      for (int j = 0; j < n; j++) {
        sum += Math.exp(x[off + i * ld + j] - max);
      }
      total += max + Math.log(sum) - x[off + i * ld + labels[i]];
    }
    return total / m;
  }

  static double bceTwin(int m, int n, float[] x, int off, int ld, float[] t) {
    double total = 0;
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double v = x[off + i * ld + j], y = t[i * n + j];
        total += Math.max(v, 0) - v * y + Math.log1p(Math.exp(-Math.abs(v)));
      }
    }
    return total / ((double) m * n);
  }

  static double mseTwin(int m, int n, float[] x, int off, int ld, float[] t) {
    double total = 0;
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double e = x[off + i * ld + j] - (double) t[i * n + j];
        total += e * e;
      }
    }
    return total / ((double) m * n);
  }

  interface Twin {
    double loss(float[] x);
  }

  /** Central differences of the twin in double, against the kernel's gradient. */
  static void checkGradient(Twin twin, float[] x, float[] grad, int off, int ld, int m, int n, String what) {
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        int at = off + i * ld + j;
        float saved = x[at];
        float h = Math.max(1e-3f, Math.abs(saved) * 1e-4f);
        x[at] = saved + h;
        double up = twin.loss(x);
        double step = x[at];
        x[at] = saved - h;
        double down = twin.loss(x);
        step -= x[at]; // the step as rounded to float
        x[at] = saved;
        double fd = (up - down) / step;
        assertEquals(fd, grad[at], 1e-5 * Math.max(1e-2, Math.abs(fd)) + 1e-7, what + " at " + i + "," + j);
      }
    }
  }

  static float[] logits(SplittableRandom rnd, int size, double scale) {
    float[] x = new float[size];
    for (int i = 0; i < size; i++) {
      x[i] = (float) (rnd.nextGaussian() * scale);
    }
    return x;
  }

  // ---- softmax cross-entropy -------------------------------------------------------------------

  @Test
  void softmaxCrossEntropyMatchesTwinAndCentralDifferences() {
    SplittableRandom rnd = new SplittableRandom(41);
    for (int n : CLASSES) {
      for (int m : new int[] {1, 3, 17}) {
        int off = 2, ld = n + 3;
        float[] x = logits(rnd, off + m * ld, 3);
        int[] labels = rnd.ints(m, 0, n).toArray();
        float[] logSum = new float[m + 1];
        float loss = Losses.softmaxCrossEntropy(m, n, x, off, ld, labels, 0, logSum, 1);
        double exact = softmaxCeTwin(m, n, x, off, ld, labels);
        assertEquals(exact, loss, LOSS_TOLERANCE * Math.max(1, exact), "n=" + n + " m=" + m);
        float[] d = new float[x.length];
        int batch = m + 5; // a split batch: the mean is over more rows than this call sees
        Losses.softmaxCrossEntropyBackward(m, n, x, off, ld, labels, 0, logSum, 1, batch, d, off, ld);
        float scale = (float) m / batch;
        for (int i = 0; i < d.length; i++) {
          d[i] /= scale; // back to the gradient of the mean over m rows, which the twin computes
        }
        int rows = m;
        checkGradient(v -> softmaxCeTwin(rows, n, v, off, ld, labels), x, d, off, ld, m, n, "softmax n=" + n);
        float[] inPlace = x.clone();
        Losses.softmaxCrossEntropyBackward(m, n, inPlace, off, ld, labels, 0, logSum, 1, batch, inPlace, off, ld);
        for (int i = 0; i < m; i++) {
          for (int j = 0; j < n; j++) {
            int at = off + i * ld + j;
            assertEquals(d[at] * scale, inPlace[at], GRADIENT_TOLERANCE / batch, "in place");
          }
        }
      }
    }
  }

  @Test
  void softmaxSurvivesHugeLogitsAndReportsNaN() {
    float inf = Float.POSITIVE_INFINITY;
    float[] x = {1e30f, -1e30f, 0f, 3e38f, 3e38f, -3e38f, -inf, 5f, 1f, Float.NaN, 1f, 2f, inf, 1f, 2f};
    int[] labels = {0, 1, 1, 0, 0};
    float[] logSum = new float[5];
    assertEquals(0f, Losses.softmaxCrossEntropy(1, 3, x, 0, 3, labels, 0, logSum, 0), "a sure 1e30 logit costs 0");
    assertEquals(Math.log(2), Losses.softmaxCrossEntropy(1, 3, x, 3, 3, labels, 1, logSum, 1), 1e-7,
        "two equal max-float logits");
    assertEquals(Math.log1p(Math.exp(-4)), Losses.softmaxCrossEntropy(1, 3, x, 6, 3, labels, 2, logSum, 2), 1e-7,
        "a -Inf logit has p = 0");
    assertTrue(Float.isNaN(Losses.softmaxCrossEntropy(1, 3, x, 9, 3, labels, 3, logSum, 3)), "NaN logit");
    assertTrue(Float.isNaN(Losses.softmaxCrossEntropy(1, 3, x, 12, 3, labels, 4, logSum, 4)), "+Inf logit");
    float[] d = new float[3];
    Losses.softmaxCrossEntropyBackward(1, 3, x, 0, 3, labels, 0, logSum, 0, 1, d, 0, 3);
    assertEquals(0f, d[0]);
    assertEquals(0f, d[1]);
    assertEquals(0f, d[2]);
  }

  @Test
  void softmaxRejectsBadLabelsNamingTheRow() {
    float[] x = new float[20];
    float[] logSum = new float[2];
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Losses.softmaxCrossEntropy(2, 10, x, 0, 10, new int[] {3, 10}, 0, logSum, 0));
    assertTrue(e.getMessage().contains("row 1") && e.getMessage().contains("10"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> Losses.softmaxCrossEntropy(2, 10, x, 0, 10, new int[] {3}, 0, logSum, 0));
    assertTrue(e.getMessage().contains("labels"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Losses.softmaxCrossEntropyBackward(2, 10, x, 0, 10,
        new int[] {1, 2}, 0, logSum, 0, 1, x, 0, 10));
    assertTrue(e.getMessage().contains("batch"), e.getMessage());
  }

  // ---- binary cross-entropy and MSE ------------------------------------------------------------

  @Test
  void binaryCrossEntropyMatchesTwinAndCentralDifferences() {
    SplittableRandom rnd = new SplittableRandom(42);
    for (int n : CLASSES) {
      int m = 4, off = 1, ld = n + 2;
      float[] x = logits(rnd, off + m * ld, 4);
      float[] t = new float[m * n];
      for (int i = 0; i < t.length; i++) {
        t[i] = i % 3 == 0 ? (float) rnd.nextDouble() : rnd.nextInt(2);
      }
      float loss = Losses.binaryCrossEntropyWithLogits(m, n, x, off, ld, t, 0, n);
      double exact = bceTwin(m, n, x, off, ld, t);
      assertEquals(exact, loss, LOSS_TOLERANCE * Math.max(1, exact), "n=" + n);
      float[] d = new float[x.length];
      Losses.binaryCrossEntropyWithLogitsBackward(m, n, x, off, ld, t, 0, n, m * n, d, off, ld);
      checkGradient(v -> bceTwin(m, n, v, off, ld, t), x, d, off, ld, m, n, "bce n=" + n);
    }
    float[] big = {100f, -100f, 100f, -100f};
    float[] t = {1f, 0f, 0f, 1f};
    assertEquals(50f, Losses.binaryCrossEntropyWithLogits(1, 4, big, 0, 4, t, 0, 4), 1e-5, "no overflow at |x| = 100");
  }

  @Test
  void meanSquaredErrorMatchesTwinAndCentralDifferences() {
    SplittableRandom rnd = new SplittableRandom(43);
    for (int n : CLASSES) {
      for (int gap : new int[] {1, 0}) { // rows apart, and contiguous (run as one long row)
        int m = 3, off = 2, ld = n + gap;
        float[] y = logits(rnd, off + m * ld, 2);
        float[] t = logits(rnd, m * n, 2);
        float loss = Losses.meanSquaredError(m, n, y, off, ld, t, 0, n);
        double exact = mseTwin(m, n, y, off, ld, t);
        assertEquals(exact, loss, LOSS_TOLERANCE * Math.max(1, exact), "n=" + n + " ld=" + ld);
        float[] d = new float[y.length];
        Losses.meanSquaredErrorBackward(m, n, y, off, ld, t, 0, n, m * n, d, off, ld);
        checkGradient(v -> mseTwin(m, n, v, off, ld, t), y, d, off, ld, m, n, "mse n=" + n + " ld=" + ld);
      }
    }
    assertTrue(Float.isNaN(Losses.meanSquaredError(1, 2, new float[] {1f, Float.NaN}, 0, 2, new float[2], 0, 2)));
  }

  @Test
  void emptyBatchesCostNothing() {
    assertEquals(0f, Losses.meanSquaredError(0, 5, new float[0], 0, 5, new float[0], 0, 5));
    assertEquals(0f, Losses.softmaxCrossEntropy(0, 5, new float[0], 0, 5, new int[0], 0, new float[0], 0));
  }
}
