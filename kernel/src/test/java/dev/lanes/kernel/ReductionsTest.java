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
 * Each reduction against a scalar twin in its documented order (same bits) and against a sum in
 * double (within the documented error bound), at offsets, leading dimensions above n and tails.
 */
class ReductionsTest {
  private static final int VL = GemmBlocking.VL;
  private static final double U = 0x1p-24;
  private static final int[] LENGTHS = {0, 1, VL - 1, VL, VL + 1, 2 * VL + 3, 4 * VL, 5 * VL + 3, 1000, 100003};

  private static float mixed(SplittableRandom rnd, int lo, int hi) {
    return UpdatesTest.mixed(rnd, lo, hi);
  }

  // ---------------------------------------------------------------- columnSums

  static Stream<Arguments> columnCases() {
    List<Arguments> cases = new ArrayList<>();
    for (int m : new int[] {0, 1, 2, 17, 64}) {
      for (int n : LENGTHS) {
        if (n < 100003 || m <= 2) {
          cases.add(Arguments.of(m, n));
        }
      }
    }
    return cases.stream();
  }

  /**
   * Same bits as the float twin (sum from zero in row order, then {@code fma(beta, out, s)}), and
   * within twice the running error bound {@code u·Σ_k |s_k| (+ u·|out|)} of the sum in double.
   */
  @ParameterizedTest(name = "m={0} n={1}")
  @MethodSource("columnCases")
  void columnSumsMatchTwins(int m, int n) {
    int aOff = 5, lda = n + 7, outOff = 3;
    SplittableRandom rnd = new SplittableRandom(31L * m + n);
    float[] a = new float[aOff + Math.max(0, (m - 1) * lda + n) + 4];
    for (int i = 0; i < a.length; i++) {
      a[i] = mixed(rnd, -10, 10);
    }
    float[] a0 = a.clone();
    for (float beta : new float[] {0f, 1f, -0.75f, 0.3f}) {
      float[] out = new float[outOff + n + 4];
      for (int j = 0; j < out.length; j++) {
        out[j] = mixed(rnd, -5, 12);
      }
      if (beta == 0) { // never read, so NaN there is overwritten
        Arrays.fill(out, outOff, outOff + n, Float.NaN);
      }
      float[] out0 = out.clone();
      Reductions.columnSums(m, n, a, aOff, lda, beta, out, outOff);
      assertArrayEquals(a0, a, "a was written");
      UpdatesTest.untouchedOutside("out", out0, out, outOff, n);
      double worst = 0;
      for (int j = 0; j < n; j++) {
        float s = 0f;
        double exact = 0, errS = 0;
        for (int i = 0; i < m; i++) {
          float x = a[aOff + i * lda + j];
          s += x;
          exact += x; // exact: at most 64 floats of magnitude 2^-10..2^11 fit in 53 bits
          if (i > 0) {
            errS += U * Math.abs(exact);
          }
        }
        float o = out0[outOff + j];
        float twin = beta == 0 ? s : Math.fma(beta, o, s);
        float got = out[outOff + j];
        if (Float.floatToIntBits(got) != Float.floatToIntBits(twin)) {
          fail("m=" + m + " n=" + n + " beta=" + beta + " column " + j + ": " + got + ", float twin " + twin);
        }
        double want = beta == 0 ? exact : beta * (double) o + exact;
        double bound = beta == 0 ? errS : errS + U * Math.abs(want);
        double err = Math.abs(got - want);
        worst = Math.max(worst, err == 0 ? 0 : err / bound);
      }
      assertTrue(worst <= 2, "m=" + m + " n=" + n + " beta=" + beta + ": error " + worst + " times the bound");
    }
  }

  @Test
  void columnSumsOfNoRows() {
    float[] out = {7f, Float.NaN, -2f, 9f};
    Reductions.columnSums(0, 3, new float[0], 0, 3, 0f, out, 0);
    assertArrayEquals(new float[] {0f, 0f, 0f, 9f}, out);
    float[] kept = {7f, -2f};
    Reductions.columnSums(0, 2, new float[0], 0, 2, 1f, kept, 0);
    assertArrayEquals(new float[] {7f, -2f}, kept);
  }

  // ---------------------------------------------------------------- sumOfSquares

  /** Documented bound on the relative error, plus the double reference's own (n·2⁻⁵³). */
  private static double sumOfSquaresBound(int n) {
    int blocks = (n + Reductions.BLOCK - 1) / Reductions.BLOCK;
    return (1024.0 / VL + 5) * U + ((double) VL * blocks + n) * 0x1p-53;
  }

  /**
   * The documented order, scalar: in each block, element k goes to accumulator (k / VL) mod 4 (to
   * accumulator 0 past the last whole group of four vectors), lane k mod VL, by FMA; the lanes of
   * (s0+s1) + (s2+s3) go into the double total in lane order.
   */
  private static double sumOfSquaresTwin(int n, float[] x, int off) {
    double total = 0;
    for (int from = 0; from < n; from += Reductions.BLOCK) {
      int len = Math.min(Reductions.BLOCK, n - from);
      int grouped = len / (4 * VL) * (4 * VL);
      float[][] acc = new float[4][VL];
      for (int k = 0; k < len; k++) {
        float xk = x[off + from + k];
        int which = k < grouped ? k / VL % 4 : 0;
        acc[which][k % VL] = Math.fma(xk, xk, acc[which][k % VL]);
      }
      for (int l = 0; l < VL; l++) {
        total += (acc[0][l] + acc[1][l]) + (acc[2][l] + acc[3][l]);
      }
    }
    return total;
  }

  static Stream<Integer> squareLengths() {
    int b = Reductions.BLOCK;
    return Stream.concat(Arrays.stream(LENGTHS).boxed(),
        Stream.of(b - 1, b, b + 1, 3 * b + 4 * VL + VL + 2, 1_000_000, 1_000_003));
  }

  @ParameterizedTest(name = "n={0}")
  @MethodSource("squareLengths")
  void sumOfSquaresMatchesTwinsWithinTheDocumentedBound(int n) {
    SplittableRandom rnd = new SplittableRandom(n);
    int off = 3;
    float[] x = new float[off + n + 2];
    for (int i = 0; i < x.length; i++) {
      x[i] = mixed(rnd, -10, 10);
    }
    double exact = 0; // squares are exact in double; the sum errs by under n·2⁻⁵³ relative
    for (int i = 0; i < n; i++) {
      double xi = x[off + i];
      exact += xi * xi;
    }
    double got = Reductions.sumOfSquares(n, x, off);
    assertEquals(Double.doubleToRawLongBits(sumOfSquaresTwin(n, x, off)), Double.doubleToRawLongBits(got),
        "n=" + n + ": not the documented order's bits");
    if (n == 0) {
      assertEquals(0.0, got);
      return;
    }
    double rel = Math.abs(got - exact) / exact;
    assertTrue(rel <= sumOfSquaresBound(n), "n=" + n + ": relative error " + rel + " over " + sumOfSquaresBound(n));
  }

  /** Small integers: every partial sum is exact, so the result is too; a lost or doubled element shows. */
  @ParameterizedTest(name = "n={0}")
  @MethodSource("squareLengths")
  void sumOfSquaresExactOnIntegers(int n) {
    SplittableRandom rnd = new SplittableRandom(n + 1);
    float[] x = new float[n + 7];
    long exact = 0;
    for (int i = 0; i < x.length; i++) {
      x[i] = rnd.nextInt(7) - 3;
      if (i >= 5 && i < 5 + n) {
        exact += (long) (x[i] * x[i]);
      }
    }
    assertEquals((double) exact, Reductions.sumOfSquares(n, x, 5), "n=" + n);
  }

  @Test
  void sumOfSquaresSameBitsAtEveryOffset() {
    SplittableRandom rnd = new SplittableRandom(8);
    int n = Reductions.BLOCK + 5 * VL + 3;
    float[] values = new float[n];
    for (int i = 0; i < n; i++) {
      values[i] = mixed(rnd, -10, 10);
    }
    double base = Reductions.sumOfSquares(n, values, 0);
    for (int off = 1; off <= 2 * VL; off++) {
      float[] x = new float[off + n];
      System.arraycopy(values, 0, x, off, n);
      assertEquals(Double.doubleToRawLongBits(base), Double.doubleToRawLongBits(Reductions.sumOfSquares(n, x, off)),
          "offset " + off);
    }
  }

  @Test
  void sumOfSquaresOnAPoolHasTheSameBitsForEveryWorkerCount() {
    SplittableRandom rnd = new SplittableRandom(11);
    int perWorker = Reductions.BLOCK * Reductions.BLOCKS_PER_WORKER;
    int[] lengths = {0, 5, 2 * perWorker - 1, 2 * perWorker, 3 * perWorker + 77, 8 * perWorker + Reductions.BLOCK / 2};
    for (int n : lengths) {
      int off = 3;
      float[] x = new float[off + n + 2];
      for (int i = 0; i < x.length; i++) {
        x[i] = mixed(rnd, -10, 10);
      }
      long expected = Double.doubleToRawLongBits(Reductions.sumOfSquares(n, x, off));
      assertEquals(expected, Double.doubleToRawLongBits(Reductions.sumOfSquares(null, n, x, off)), "n=" + n);
      for (int threads : new int[] {1, 2, 3, 8}) {
        try (WorkerPool pool = new WorkerPool(threads)) {
          for (int call = 0; call < 2; call++) { // the second call reuses the pool's lanes
            assertEquals(expected, Double.doubleToRawLongBits(Reductions.sumOfSquares(pool, n, x, off)),
                "n=" + n + ", " + threads + " threads, call " + call);
          }
        }
      }
    }
  }

  @Test
  void sumOfSquaresOnAPoolFindsNaNInAnyWorkersShare() {
    int n = 3 * Reductions.BLOCK * Reductions.BLOCKS_PER_WORKER + 9;
    try (WorkerPool pool = new WorkerPool(3)) {
      for (int at : new int[] {0, n / 2, n - 1}) {
        float[] x = new float[n];
        Arrays.fill(x, 0.5f);
        x[at] = Float.NaN;
        assertTrue(Double.isNaN(Reductions.sumOfSquares(pool, n, x, 0)), "NaN at " + at);
      }
    }
  }

  @Test
  void sumOfSquaresOnAPoolChecksItsArguments() {
    try (WorkerPool pool = new WorkerPool(2)) {
      int n = 2 * Reductions.BLOCK * Reductions.BLOCKS_PER_WORKER;
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> Reductions.sumOfSquares(pool, n, new float[n], 1));
      assertTrue(e.getMessage().contains("x"), e.getMessage());
    }
  }

  /** Called until C2 compiles them, the reductions still give their twins' bits. */
  @Test
  void sameBitsOnceCompiled() {
    SplittableRandom rnd = new SplittableRandom(12);
    int m = 3, n = 5 * VL + 3;
    float[] a = new float[m * n], out = new float[n], sums = new float[n];
    for (int i = 0; i < a.length; i++) {
      a[i] = mixed(rnd, -10, 10);
    }
    for (int j = 0; j < n; j++) {
      sums[j] = (a[j] + a[n + j]) + a[2 * n + j];
    }
    double squares = sumOfSquaresTwin(a.length, a, 0);
    for (int call = 0; call < 20_000; call++) {
      Reductions.columnSums(m, n, a, 0, n, 0f, out, 0);
      assertArrayEquals(sums, out, "columnSums, call " + call);
      double got = Reductions.sumOfSquares(a.length, a, 0);
      if (Double.doubleToRawLongBits(got) != Double.doubleToRawLongBits(squares)) {
        fail("sumOfSquares, call " + call + ": " + got + ", twin " + squares);
      }
    }
  }

  @Test
  void sumOfSquaresSpecialValues() {
    assertEquals(9.0, Reductions.sumOfSquares(1, new float[] {3f}, 0));
    assertEquals(0.0, Reductions.sumOfSquares(0, new float[0], 0));
    float[] x = new float[3 * VL + 3];
    Arrays.fill(x, 1f);
    x[3 * VL + 1] = Float.NaN; // in the masked tail
    assertTrue(Double.isNaN(Reductions.sumOfSquares(x.length, x, 0)));
    x[3 * VL + 1] = Float.NEGATIVE_INFINITY;
    assertEquals(Double.POSITIVE_INFINITY, Reductions.sumOfSquares(x.length, x, 0));
    x[3 * VL + 1] = 1e20f; // a block's float sum overflows: documented
    assertEquals(Double.POSITIVE_INFINITY, Reductions.sumOfSquares(x.length, x, 0));
  }

  // ---------------------------------------------------------------- argmaxRows

  /** First index of the largest, NaN larger than everything: written from the definition. */
  private static int argmaxTwin(float[] a, int row, int n) {
    int best = 0;
    for (int j = 1; j < n; j++) {
      float x = a[row + j], b = a[row + best];
      boolean larger = !Float.isNaN(b) && (Float.isNaN(x) || x > b);
      if (larger) {
        best = j;
      }
    }
    return best;
  }

  @Test
  void argmaxRowsMatchesTwin() {
    float[] pool = {-2f, -1f, 0f, -0f, 1f, 2f, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY};
    SplittableRandom rnd = new SplittableRandom(17);
    for (int m : new int[] {0, 1, 5, 64}) {
      for (int n : new int[] {1, 2, VL - 1, VL, VL + 1, 10, 1000}) {
        for (double nanRate : new double[] {0, 0.02, 0.5}) {
          int aOff = 2, lda = n + 3, outOff = 4;
          float[] a = new float[aOff + Math.max(0, (m - 1) * lda + n)];
          for (int i = 0; i < a.length; i++) {
            // few distinct values, so ties are common
            a[i] = rnd.nextDouble() < nanRate ? Float.NaN : pool[rnd.nextInt(pool.length)];
          }
          int[] out = new int[outOff + m + 3];
          Arrays.fill(out, -7);
          Reductions.argmaxRows(m, n, a, aOff, lda, out, outOff);
          for (int i = 0; i < out.length; i++) {
            int want = i >= outOff && i < outOff + m ? argmaxTwin(a, aOff + (i - outOff) * lda, n) : -7;
            assertEquals(want, out[i], "m=" + m + " n=" + n + " nanRate=" + nanRate + " out[" + i + "]");
          }
        }
      }
    }
  }

  @Test
  void argmaxRowsExamples() {
    float nan = Float.NaN, inf = Float.POSITIVE_INFINITY;
    float[][] rows = {{1, 3, 3}, {nan, 5}, {1, nan, nan}, {-inf, -inf}, {-0f, 0f}, {0f, -0f}, {inf, nan},
        {-1}, {2, 1, 0, 9, 9, 8}};
    int[] want = {1, 0, 1, 0, 0, 0, 1, 0, 3};
    for (int r = 0; r < rows.length; r++) {
      int[] out = new int[1];
      Reductions.argmaxRows(1, rows[r].length, rows[r], 0, rows[r].length, out, 0);
      assertEquals(want[r], out[0], Arrays.toString(rows[r]));
    }
  }

  // ---------------------------------------------------------------- arguments

  private static void rejects(String expectedInMessage, Runnable call) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
    assertTrue(e.getMessage().contains(expectedInMessage),
        "message '" + e.getMessage() + "' should mention '" + expectedInMessage + "'");
  }

  @Test
  void badArgumentsAreNamedBeforeAnyWrite() {
    float[] a = new float[12];
    float[] out = {1, 2, 3, 4};
    int[] idx = {5, 6, 7};
    rejects("columnSums: m=-1", () -> Reductions.columnSums(-1, 4, a, 0, 4, 0f, out, 0));
    rejects("n=-3", () -> Reductions.columnSums(3, -3, a, 0, 4, 0f, out, 0));
    rejects("lda=3 is smaller than max(1, n=4)", () -> Reductions.columnSums(3, 4, a, 0, 3, 0f, out, 0));
    rejects("a is too short at aOff=1", () -> Reductions.columnSums(3, 4, a, 1, 4, 0f, out, 0));
    rejects("out is too short at outOff=1 for 4 elements", () -> Reductions.columnSums(3, 4, a, 0, 4, 0f, out, 1));
    rejects("a is null", () -> Reductions.columnSums(3, 4, null, 0, 4, 0f, out, 0));
    assertArrayEquals(new float[] {1, 2, 3, 4}, out, "out was written before a check failed");
    rejects("sumOfSquares: xOff=-1", () -> Reductions.sumOfSquares(2, a, -1));
    rejects("x is too short", () -> Reductions.sumOfSquares(13, a, 0));
    rejects("argmaxRows: n=0 but m=2", () -> Reductions.argmaxRows(2, 0, a, 0, 1, idx, 0));
    rejects("out is too short at outOff=1 for 3 elements", () -> Reductions.argmaxRows(3, 4, a, 0, 4, idx, 1));
    rejects("out is null", () -> Reductions.argmaxRows(3, 4, a, 0, 4, null, 0));
    assertArrayEquals(new int[] {5, 6, 7}, idx, "out was written before a check failed");
    Reductions.argmaxRows(0, 0, a, 0, 1, idx, 3); // nothing to do
  }
}
