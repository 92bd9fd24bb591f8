package dev.lanes.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Inverted dropout: the keep rate, the scaling, the backward, and masks keyed by example, not row. */
class DropoutTest {

  @Test
  void keepsOneMinusRateScaledAndBackpropagatesThroughTheMask() {
    int m = 40, width = 250;
    DropoutLayer d = new DropoutLayer(width, 0.3f, 1);
    float[] x = new float[m * width], y = new float[m * width], mask = new float[m * width];
    java.util.Arrays.fill(x, 2f);
    int[] examples = new int[m];
    for (int i = 0; i < m; i++) {
      examples[i] = 1000 + i;
    }
    d.forward(m, 7, 3, examples, x, 0, mask, y);
    int kept = 0;
    for (int i = 0; i < y.length; i++) {
      assertTrue(y[i] == 0f || y[i] == 2f / 0.7f, "y is 0 or x/(1 − rate): " + y[i]);
      kept += y[i] == 0f ? 0 : 1;
    }
    // 10 000 Bernoulli(0.7) draws: the standard deviation of the kept fraction is 0.0046
    assertEquals(0.7, (double) kept / y.length, 0.02);
    float[] dy = new float[m * width], dx = new float[m * width];
    java.util.Arrays.fill(dy, 1f);
    d.backward(m, mask, dy, dx);
    for (int i = 0; i < dx.length; i++) {
      assertEquals(y[i] / 2f, dx[i], "dx = dy·mask");
    }
  }

  @Test
  void theMaskDependsOnTheExampleNotItsRowOrBatch() {
    int width = 33;
    DropoutLayer d = new DropoutLayer(width, 0.5f, 2);
    float[] x = new float[3 * width];
    for (int i = 0; i < x.length; i++) {
      x[i] = 1 + i;
    }
    float[] y1 = new float[3 * width], m1 = new float[3 * width];
    float[] y2 = new float[width], m2 = new float[width];
    d.forward(3, 11, 5, new int[] {4, 9, 17}, x, 0, m1, y1);
    d.forward(1, 11, 5, new int[] {9}, x, width, m2, y2); // example 9 alone, its row read in place
    for (int j = 0; j < width; j++) {
      assertEquals(m1[width + j], m2[j]);
      assertEquals(y1[width + j], y2[j]);
    }
    float[] y3 = new float[width], m3 = new float[width];
    d.forward(1, 11, 6, new int[] {9}, x, 0, m3, y3); // the next step draws anew
    assertTrue(!java.util.Arrays.equals(m2, m3), "a new step, a new mask");
  }
}
