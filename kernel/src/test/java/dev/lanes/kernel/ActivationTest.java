package dev.lanes.kernel;

import static dev.lanes.kernel.GemmBlocking.VL;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The activation loops against their double twins, against central finite differences, and for
 * position independence, special values and argument checks.
 */
class ActivationTest {
  static final int[] LENGTHS = {0, 1, VL - 1, VL, VL + 1, 2 * VL + 3, 100, 1000};

  static Stream<Activation> all() {
    return Stream.of(ActivationTwin.ALL);
  }

  /**
   * Allowed error of a result r against the exact e: |r − e| ≤ ulps·ulp(e) + abs. ReLU-like ones
   * are exact (max and one multiply); the others carry exp's error through a few operations. GELU
   * for z < 0 is ill-conditioned: σ(2u) ≈ e^2u amplifies u's rounding by |2u| (7 ulp measured at
   * z = −1.85); the absolute term covers z ≪ 0, where the result is tiny.
   */
  static double[] forwardTolerance(Activation act) {
    return switch (act.toString()) {
      case "identity", "relu" -> new double[] {0, 0};
      case "sigmoid", "tanh" -> new double[] {3, 0};
      case "silu", "softplus" -> new double[] {4, 0};
      case "gelu" -> new double[] {16, 1e-9};
      default -> new double[] {0.5, 0}; // leaky: one rounded multiply
    };
  }

  /**
   * Allowed derivative error, as a multiple of |dy|·max(1, |act'|). A derivative taken from the
   * rounded output (y(1 − y), 1 − y²) or from σ near 1 loses relative precision where act' is
   * small: measured up to 1.4e-6 (GELU at z = 4.3), as in any framework that keeps y.
   */
  static final double DERIVATIVE_TOLERANCE = 2e-6;

  static float[] values(SplittableRandom rnd, int count) {
    float[] v = new float[count];
    for (int i = 0; i < count; i++) {
      v[i] = switch (i % 4) {
        case 0 -> (float) (rnd.nextGaussian() * 3);
        case 1 -> (float) (rnd.nextGaussian() * 0.01);
        case 2 -> (float) ((rnd.nextDouble() - 0.5) * 60);
        default -> (float) rnd.nextGaussian();
      };
    }
    return v;
  }

  @ParameterizedTest
  @MethodSource("all")
  void forwardMatchesTwinOnBlocksWithBiasOffsetsAndLeadingDimensions(Activation act) {
    SplittableRandom rnd = new SplittableRandom(7);
    double[] tol = forwardTolerance(act);
    for (int n : LENGTHS) {
      int m = 3, zOff = 5, ld = n + 3, bOff = 2, pOff = 1, yOff = 4;
      float[] z = values(rnd, zOff + m * ld);
      float[] bias = values(rnd, bOff + n);
      float[] pre = new float[pOff + m * ld];
      float[] y = new float[yOff + m * ld];
      Arrays.fill(y, 42f);
      act.forward(m, n, z, zOff, ld, bias, bOff, pre, pOff, ld, y, yOff, ld);
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < ld; j++) {
          int yi = yOff + i * ld + j;
          if (j >= n) {
            assertEquals(42f, y[yi], "outside the block is untouched");
            continue;
          }
          float p = z[zOff + i * ld + j] + bias[bOff + j];
          assertEquals(p, pre[pOff + i * ld + j], "pre = z + bias");
          double exact = ActivationTwin.forward(act, p);
          double err = Math.abs(y[yi] - exact);
          double allowed = tol[0] * Math.ulp((float) exact) + tol[1];
          assertTrue(err <= allowed, act + "(" + p + ") = " + y[yi] + ", exact " + exact + ", error "
              + err / Math.ulp((float) exact) + " ulp");
        }
      }
      // pre not kept (identity and the ReLUs then run straight on the matrices) on packed rows, so
      // the last rows' tails lie at the end of z and y: the same bits
      float[] zPacked = new float[m * n];
      float[] yPacked = new float[m * n];
      for (int i = 0; i < m; i++) {
        System.arraycopy(z, zOff + i * ld, zPacked, i * n, n);
      }
      act.forward(m, n, zPacked, 0, Math.max(1, n), bias, bOff, null, 0, 0, yPacked, 0, Math.max(1, n));
      for (int i = 0; i < m * n; i++) {
        assertEquals(Float.floatToRawIntBits(y[yOff + i / n * ld + i % n]), Float.floatToRawIntBits(yPacked[i]),
            act + " without pre, m=" + m + " n=" + n + ", element " + i);
      }
    }
  }

  @ParameterizedTest
  @MethodSource("all")
  void sameBitsAtAnyPositionRowLengthAndInPlace(Activation act) {
    SplittableRandom rnd = new SplittableRandom(8);
    float[] z = values(rnd, 97);
    float[] whole = new float[97];
    act.forward(97, z, 0, whole, 0);
    for (int start : new int[] {0, 1, VL - 1, 13}) {
      for (int len : new int[] {1, 2, VL + 1, 97 - start}) {
        float[] part = new float[len + 3];
        act.forward(len, z, start, part, 3);
        for (int j = 0; j < len; j++) {
          assertEquals(Float.floatToRawIntBits(whole[start + j]), Float.floatToRawIntBits(part[3 + j]),
              act + " at " + (start + j) + " depends on its position");
        }
      }
    }
    float[] inPlace = z.clone();
    act.forward(97, inPlace, 0, inPlace, 0);
    assertArrayEquals(whole, inPlace);
  }

  @ParameterizedTest
  @MethodSource("all")
  void backwardMatchesTwinDerivativeAndSumsBiasGradient(Activation act) {
    SplittableRandom rnd = new SplittableRandom(9);
    for (int n : LENGTHS) {
      int m = 5, ld = n + 2, off = 3;
      float[] z = values(rnd, off + m * ld);
      float[] y = new float[off + m * ld];
      act.forward(m, n, z, off, ld, null, 0, null, 0, 1, y, off, ld);
      float[] dy = values(rnd, off + m * ld);
      float[] dz = dy.clone(); // so the in-place run below can be compared whole
      float[] db = new float[n + 1];
      Arrays.fill(db, 0, n, Float.NaN); // overwritten, never read
      float[] saved = act.backwardUsesOutput() ? y : z;
      act.backward(m, n, dy, off, ld, saved, off, ld, dz, off, ld, db, 0);
      for (int j = 0; j < n; j++) {
        float colSum = 0;
        for (int i = 0; i < m; i++) {
          int at = off + i * ld + j;
          double slope = ActivationTwin.derivative(act, z[at]);
          double exact = dy[at] * slope;
          double err = Math.abs(dz[at] - exact) / (Math.abs(dy[at]) * Math.max(1, Math.abs(slope)));
          assertTrue(err <= DERIVATIVE_TOLERANCE || kink(act, z[at]),
              act + "' at z=" + z[at] + ": " + dz[at] + " vs " + exact);
          colSum += dz[at];
        }
        assertEquals(colSum, db[j], "bias gradient sums rows in order");
      }
      assertEquals(0f, db[n]);
      float[] inPlace = dy.clone();
      act.backward(m, n, inPlace, off, ld, saved, off, ld, inPlace, off, ld, null, 0);
      assertArrayEquals(dz, inPlace, "dz may overwrite dy");
    }
  }

  /**
   * Whole vectors of a row go straight through and a last partial one is staged: an element and its
   * column's bias gradient get the same bits whichever way it went.
   */
  @ParameterizedTest
  @MethodSource("all")
  void backwardGivesAnElementTheSameBitsWhereverItLies(Activation act) {
    SplittableRandom rnd = new SplittableRandom(13);
    int m = 7, n = 3 * VL + 5;
    float[] z = values(rnd, m * n);
    float[] y = new float[m * n];
    act.forward(m, n, z, 0, n, null, 0, null, 0, 1, y, 0, n);
    float[] saved = act.backwardUsesOutput() ? y : z;
    float[] dy = values(rnd, m * n);
    float[] dz = new float[m * n], db = new float[n];
    act.backward(m, n, dy, 0, n, saved, 0, n, dz, 0, n, db, 0);
    for (int start : new int[] {0, 1, VL - 3, VL + 2}) {
      for (int len : new int[] {1, VL - 1, VL, 2 * VL + 1, n - start}) {
        float[] part = new float[m * n], dbPart = new float[len];
        act.backward(m, len, dy, start, n, saved, start, n, part, start, n, dbPart, 0);
        for (int j = 0; j < len; j++) {
          for (int i = 0; i < m; i++) {
            assertEquals(Float.floatToRawIntBits(dz[i * n + start + j]), Float.floatToRawIntBits(part[i * n + start + j]),
                act + "' at " + i + "," + (start + j) + " as column " + j + " of " + len);
          }
          assertEquals(Float.floatToRawIntBits(db[start + j]), Float.floatToRawIntBits(dbPart[j]),
              act + " bias gradient of column " + (start + j) + " as column " + j + " of " + len);
        }
      }
    }
  }

  @ParameterizedTest
  @MethodSource("all")
  void backwardOnAPoolHasTheSameBitsForEveryWorkerCount(Activation act) {
    SplittableRandom rnd = new SplittableRandom(12);
    int min = Activation.MIN_BACKWARD_PER_WORKER;
    // {m, n}: enough for 8 workers; for 3, with a partial last vector; fewer vectors than workers; one column
    int[][] shapes = {{8 * min / 1000 + 1, 1001}, {3 * min / 100 + 1, 100}, {8 * min / (2 * VL), 2 * VL}, {min, 1}};
    for (int[] shape : shapes) {
      int m = shape[0], n = shape[1], ld = n + 3, off = 2;
      float[] z = values(rnd, off + m * ld);
      float[] y = new float[z.length];
      act.forward(m, n, z, off, ld, null, 0, null, 0, 1, y, off, ld);
      float[] saved = act.backwardUsesOutput() ? y : z;
      float[] dy = values(rnd, z.length);
      float[] dz = new float[z.length];
      float[] db = new float[n + 1];
      act.backward(m, n, dy, off, ld, saved, off, ld, dz, off, ld, db, 0);
      for (int threads : new int[] {2, 3, 8}) {
        try (WorkerPool pool = new WorkerPool(threads)) {
          float[] dzPool = new float[z.length];
          float[] dbPool = new float[n + 1];
          Arrays.fill(dbPool, 0, n, Float.NaN); // overwritten, never read
          act.backward(pool, m, n, dy, off, ld, saved, off, ld, dzPool, off, ld, dbPool, 0);
          String where = act + " " + m + "×" + n + ", " + threads + " threads";
          assertArrayEquals(dz, dzPool, where);
          assertArrayEquals(db, dbPool, where);
          float[] inPlace = dy.clone();
          act.backward(pool, m, n, inPlace, off, ld, saved, off, ld, inPlace, off, ld, null, 0);
          assertArrayEquals(dz, block(inPlace, off, m, n, ld), where + ", in place");
        }
      }
    }
  }

  /** a with the elements outside the m×n block (offset, row gaps) zero, as in a fresh dz. */
  private static float[] block(float[] a, int off, int m, int n, int ld) {
    float[] r = new float[a.length];
    for (int i = 0; i < m; i++) {
      System.arraycopy(a, off + i * ld, r, off + i * ld, n);
    }
    return r;
  }

  /** ReLU-likes are not differentiable at 0, and y > 0 misjudges z > 0 when y rounds to 0. */
  private static boolean kink(Activation act, float z) {
    return act.backwardUsesOutput() && Math.abs(z) < 1e-30;
  }

  @ParameterizedTest
  @MethodSource("all")
  void derivativeMatchesCentralDifferencesOfTheKernel(Activation act) {
    SplittableRandom rnd = new SplittableRandom(10);
    int n = 400;
    float[] z = new float[n];
    for (int i = 0; i < n; i++) {
      z[i] = (float) ((rnd.nextDouble() - 0.5) * 16);
    }
    float[] y = new float[n], dz = new float[n], ones = new float[n];
    Arrays.fill(ones, 1f);
    act.forward(n, z, 0, y, 0);
    act.backward(n, ones, 0, act.backwardUsesOutput() ? y : z, 0, dz, 0);
    float[] up = new float[n], down = new float[n], yUp = new float[n], yDown = new float[n];
    float h = 1e-2f;
    for (int i = 0; i < n; i++) {
      up[i] = z[i] + h;
      down[i] = z[i] - h;
    }
    act.forward(n, up, 0, yUp, 0);
    act.forward(n, down, 0, yDown, 0);
    for (int i = 0; i < n; i++) {
      if (Math.abs(z[i]) < 2 * h && act.backwardUsesOutput() && !act.equals(Activation.SIGMOID)
          && !act.equals(Activation.TANH)) {
        continue; // the kink of ReLU-likes
      }
      double fd = ((double) yUp[i] - yDown[i]) / ((double) up[i] - down[i]);
      // central differences err by h²·|f'''|/6 (≤ 2e-5 here) plus the forward's rounding / h
      assertEquals(fd, dz[i], 2e-4 * Math.max(1, Math.abs(fd)), act + "' at z=" + z[i]);
    }
  }

  @Test
  void specialValues() {
    float inf = Float.POSITIVE_INFINITY, nan = Float.NaN;
    float[] z = {nan, inf, -inf, 0f, 1e30f, -1e30f};
    for (Activation act : ActivationTwin.ALL) {
      float[] y = new float[z.length];
      act.forward(z.length, z, 0, y, 0);
      assertTrue(Float.isNaN(y[0]), act + "(NaN)");
      assertEquals(act.equals(Activation.SIGMOID) || act.equals(Activation.TANH) ? 1f : inf, y[1], act + "(+Inf)");
      float atMinusInf = switch (act.toString()) {
        case "identity" -> -inf;
        case "relu", "sigmoid", "softplus" -> 0f;
        case "tanh" -> -1f;
        case "gelu", "silu" -> nan;
        default -> -inf; // leaky
      };
      assertEquals(atMinusInf, y[2], act + "(-Inf)");
      assertEquals((float) ActivationTwin.forward(act, 0), y[3], act + "(0)");
      assertTrue(Float.isFinite(y[4]) || act.equals(Activation.IDENTITY) || y[4] == inf, act + "(1e30)");
    }
  }

  @Test
  void subnormalInputs() {
    float d = 1e-40f; // subnormal: below Float.MIN_NORMAL
    float[] z = {d, -d, Float.MIN_VALUE};
    for (Activation act : ActivationTwin.ALL) {
      float[] y = new float[z.length];
      act.forward(z.length, z, 0, y, 0);
      float[] expected = switch (act.toString()) {
        case "identity" -> z;
        case "relu" -> new float[] {d, 0f, Float.MIN_VALUE};
        case "sigmoid" -> new float[] {0.5f, 0.5f, 0.5f};
        case "tanh" -> z; // tanh(z) = z to far below an ulp
        case "gelu", "silu" -> new float[] {d * 0.5f, -d * 0.5f, Float.MIN_VALUE * 0.5f};
        case "softplus" -> new float[] {(float) Math.log(2), (float) Math.log(2), (float) Math.log(2)};
        default -> new float[] {d, -d * act.slope(), Float.MIN_VALUE}; // leaky
      };
      for (int i = 0; i < z.length; i++) {
        assertEquals(expected[i], y[i], act + "(" + z[i] + ")");
      }
    }
  }

  @Test
  void parseRoundTripsAndRejectsUnknown() {
    for (Activation act : ActivationTwin.ALL) {
      assertEquals(act, Activation.parse(act.toString()));
    }
    assertEquals(Activation.leakyRelu(0.2f), Activation.parse(" Leaky_ReLU(0.2) "));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Activation.parse("swish"));
    assertTrue(e.getMessage().contains("swish") && e.getMessage().contains("relu"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Activation.leakyRelu(-0.1f));
    assertThrows(IllegalArgumentException.class, () -> Activation.leakyRelu(Float.NaN));
  }

  @Test
  void badArgumentsNameTheArgumentAndWriteNothing() {
    float[] z = new float[10], y = new float[10];
    Arrays.fill(y, 7f);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Activation.RELU.forward(2, 5, z, 0, 5, new float[4], 0, null, 0, 1, y, 0, 5));
    assertTrue(e.getMessage().contains("bias") && e.getMessage().contains("4"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> Activation.RELU.forward(3, 5, z, 0, 5, null, 0, null, 0, 1, y, 0, 5));
    assertTrue(e.getMessage().contains("z is too short") && e.getMessage().contains("3×5"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> Activation.TANH.backward(2, 5, z, 0, 4, y, 0, 5, y, 0, 5, null, 0));
    assertTrue(e.getMessage().contains("lddy=4"), e.getMessage());
    for (float v : y) {
      assertEquals(7f, v);
    }
  }
}
