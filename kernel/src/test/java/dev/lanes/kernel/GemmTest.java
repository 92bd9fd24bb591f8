package dev.lanes.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.RealMatrix;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class GemmTest {
  private static final int VL = GemmBlocking.VL;
  private static final int MR = GemmBlocking.MR;
  private static final int NR = GemmBlocking.NR;
  private static final int KC = GemmBlocking.KC;
  private static final int MC = GemmBlocking.MC;

  /** Sizes around every boundary the kernel has: vector, tile, blocks, and odd primes. */
  static final int[] SIZES = {0, 1, 2, 3, VL - 1, VL, VL + 1, MR - 1, MR, MR + 1, NR - 1, NR, NR + 1,
      13, 31, 37, 61, MC - 1, MC + 1, 127, KC - 1, KC + 1, 2 * KC + 3};
  static final float[] ALPHAS = {1f, 0f, -0.5f, 1.75f};
  static final float[] BETAS = {0f, 1f, -2.5f, 0.3f};

  private static final int[] THREADS = {1, 2, 3, 8};
  private static final List<WorkerPool> POOLS = new ArrayList<>();

  @BeforeAll
  static void pools() {
    for (int t : THREADS) {
      POOLS.add(new WorkerPool(t));
    }
  }

  @AfterAll
  static void closePools() {
    POOLS.forEach(WorkerPool::close);
  }

  /** The build's second run of this class (kernel/pom.xml) must really run at the width it names. */
  @Test
  void runsAtTheWidthTheBuildAsksFor() {
    String bits = System.getProperty("lanes.test.vectorBits");
    assumeTrue(bits != null, "the default run takes the machine's width");
    assertEquals(Integer.parseInt(bits), VL * Float.SIZE);
  }

  static Stream<GemmCase> randomCases() {
    SplittableRandom rnd = new SplittableRandom(20261128);
    List<GemmCase> cases = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
      for (int i = 0; i < 70; i++) {
        int m = SIZES[rnd.nextInt(SIZES.length)];
        int n = SIZES[rnd.nextInt(SIZES.length)];
        int k = SIZES[rnd.nextInt(SIZES.length)];
        float alpha = ALPHAS[rnd.nextInt(ALPHAS.length)];
        float beta = BETAS[rnd.nextInt(BETAS.length)];
        cases.add(new GemmCase(rnd, ta, tb, m, n, k, alpha, beta, 5, 7));
      }
      // every alpha/beta pair on one shape that takes the packed path with edges
      for (float alpha : ALPHAS) {
        for (float beta : BETAS) {
          cases.add(new GemmCase(rnd, ta, tb, MR * 3 + 1, NR * 2 + 3, KC + 5, alpha, beta, 3, 3));
        }
      }
      // few rows times Bᵀ, run as its transpose: its leftover rows, its four-panel rows with and
      // without a partial last panel, two k-blocks folded into a transposed C
      for (int rows : new int[] {1, 4 * NR - 3, GemmBlocking.SWAP_ROWS}) {
        if (GemmInPlace.swaps(ta, tb, rows, MR * 13 + 5)) {
          cases.add(new GemmCase(rnd, ta, tb, rows, MR * 13 + 5, KC + 5, 1.5f, 0.5f, 3, 3));
        }
      }
      // enough row blocks that 2 and 3 workers claim them one by one, over two k-blocks
      cases.add(new GemmCase(rnd, ta, tb, 12 * MC + 5, 3 * NR + 5, KC + 9, 1f, 0.5f, 2, 2));
      // more than one block of C columns (NC) and of rows (MC); claimed across two column blocks
      cases.add(new GemmCase(rnd, ta, tb, 5, GemmBlocking.NC + NR + 1, 33, 1f, 0f, 2, 2));
      cases.add(new GemmCase(rnd, ta, tb, 12 * MC + 5, GemmBlocking.NC + NR + 5, 33, 1f, 0.5f, 2, 2));
      cases.add(new GemmCase(rnd, ta, tb, 2 * MC + 7, 41, 70, 1f, 1f, 2, 2));
      // split by columns alone over three k-blocks, of one depth (no barrier between them) and not
      cases.add(new GemmCase(rnd, ta, tb, 3 * MC, 8 * NR, 3 * KC, 1f, 0.5f, 2, 2));
      cases.add(new GemmCase(rnd, ta, tb, 3 * MC, 8 * NR + 5, 3 * KC - 7, 1f, 0.5f, 2, 2));
      // the largest products the unpacked paths take (A in place; Aᵀ·B with two row tiles), so
      // they split across workers whatever MIN_MNK_PER_THREAD is; partial last panels and tiles
      long most = GemmBlocking.IN_PLACE_MNK;
      int m1 = 8 * MR + 3, n1 = 2 * NR + 7, m2 = 2 * MR - 1, n2 = 3 * NR + 9;
      cases.add(new GemmCase(rnd, ta, tb, m1, n1, (int) (most / (m1 * n1)), 1f, 0.5f, 2, 2));
      cases.add(new GemmCase(rnd, ta, tb, m2, n2, (int) (most / (m2 * n2)), 1f, 0f, 2, 2));
      // A in place with workers owning column ranges of C (n ≥ m, two panels a worker on 2, 3 and 4
      // workers): a leftover row, a partial last panel, two k-blocks folded (512-bit vectors)
      int m4 = GemmBlocking.SWAP_ROWS + 1, n4 = 7 * NR + 5;
      cases.add(new GemmCase(rnd, ta, tb, m4, n4, (int) (most / (m4 * n4)), 1.5f, 0.5f, 2, 2));
      // Aᵀ·B of 9 to 12 rows, one 12-row tile over A in place: two k-blocks folded, a partial last
      // panel
      for (int rows : new int[] {9, 10, 11, 12}) {
        cases.add(new GemmCase(rnd, ta, tb, rows, 3 * NR + 5, KC + 5, 1.5f, 0.5f, 2, 2));
      }
      // depth up to GemmShallow.DEPTH and one past (B's panels held in registers with AVX-512):
      // every depth with a short last group of rows and a partial last panel, each alpha/beta kind;
      // then large enough to split across workers by rows (n < m) and by columns
      float[][] alphaBetas = {{1f, 0f}, {1.75f, 0f}, {-0.5f, 0.3f}, {1f, 1f}};
      for (int depth = 1; depth <= GemmShallow.DEPTH + 1; depth++) {
        float[] ab = alphaBetas[depth % alphaBetas.length];
        cases.add(new GemmCase(rnd, ta, tb, 37, 3 * NR + 5, depth, ab[0], ab[1], 2, 3));
      }
      cases.add(new GemmCase(rnd, ta, tb, 1000, 7 * NR + 5, 10, 1f, 0f, 2, 2));
      cases.add(new GemmCase(rnd, ta, tb, 200, 40 * NR + 5, GemmShallow.DEPTH, 1.5f, 0.5f, 2, 2));
      cases.add(new GemmCase(rnd, ta, tb, 37, 1024, 7, 1f, 0.5f, 2, 0)); // C's rows 4 KiB apart: 8 a call
      // fewer column panels than workers (Aᵀ·B splits C by columns: some workers get none)
      int m3 = MR + 3, n3 = NR + 5;
      cases.add(new GemmCase(rnd, ta, tb, m3, n3, (int) (most / (m3 * n3)), 1f, 0.5f, 2, 2));
    }
    return cases.stream();
  }

  @ParameterizedTest
  @MethodSource("randomCases")
  void matchesScalarTwinBitForBitOnEveryThreadCount(GemmCase g) {
    float[] expected = g.expected();
    float[] c = g.freshC();
    Gemm.sgemm(g.transA, g.transB, g.m, g.n, g.k, g.alpha, g.a, g.aOff, g.lda, g.b, g.bOff, g.ldb,
        g.beta, c, g.cOff, g.ldc);
    assertBitsEqual(expected, c, g + " (calling thread)");
    for (WorkerPool pool : POOLS) {
      c = g.freshC();
      Gemm.sgemm(pool, g.transA, g.transB, g.m, g.n, g.k, g.alpha, g.a, g.aOff, g.lda, g.b, g.bOff,
          g.ldb, g.beta, c, g.cOff, g.ldc);
      assertBitsEqual(expected, c, g + " (" + pool.size() + " threads)");
    }
  }

  static Stream<GemmCase> oracleCases() {
    SplittableRandom rnd = new SplittableRandom(7);
    List<GemmCase> cases = new ArrayList<>();
    int[][] shapes = {{1, 1, 1}, {7, 5, 3}, {17, 33, 9}, {64, 64, 64}, {97, 61, 300}, {128, 10, 128},
        {32, 256, 784}, {130, 70, 600}};
    for (int[] s : shapes) {
      for (int t = 0; t < 4; t++) {
        cases.add(new GemmCase(rnd, (t & 1) != 0, (t & 2) != 0, s[0], s[1], s[2], 1.5f, -0.75f, 4, 4));
      }
    }
    return cases.stream();
  }

  /** Against Commons Math in double precision, within the error bound of a length-k float sum. */
  @ParameterizedTest
  @MethodSource("oracleCases")
  void agreesWithCommonsMathWithinFloatErrorBound(GemmCase g) {
    RealMatrix opA = new Array2DRowRealMatrix(g.m, g.k);
    RealMatrix absA = new Array2DRowRealMatrix(g.m, g.k);
    for (int i = 0; i < g.m; i++) {
      for (int p = 0; p < g.k; p++) {
        double v = g.transA ? g.a[g.aOff + p * g.lda + i] : g.a[g.aOff + i * g.lda + p];
        opA.setEntry(i, p, v);
        absA.setEntry(i, p, Math.abs(v));
      }
    }
    RealMatrix opB = new Array2DRowRealMatrix(g.k, g.n);
    RealMatrix absB = new Array2DRowRealMatrix(g.k, g.n);
    for (int p = 0; p < g.k; p++) {
      for (int j = 0; j < g.n; j++) {
        double v = g.transB ? g.b[g.bOff + j * g.ldb + p] : g.b[g.bOff + p * g.ldb + j];
        opB.setEntry(p, j, v);
        absB.setEntry(p, j, Math.abs(v));
      }
    }
    RealMatrix product = opA.multiply(opB);
    RealMatrix magnitude = absA.multiply(absB);
    float[] c = g.freshC();
    Gemm.sgemm(g.transA, g.transB, g.m, g.n, g.k, g.alpha, g.a, g.aOff, g.lda, g.b, g.bOff, g.ldb,
        g.beta, c, g.cOff, g.ldc);
    double u = Math.ulp(1f) / 2;
    for (int i = 0; i < g.m; i++) {
      for (int j = 0; j < g.n; j++) {
        double c0 = g.c[g.cOff + i * g.ldc + j];
        double want = g.alpha * product.getEntry(i, j) + g.beta * c0;
        double bound = (g.k + 3) * u * (Math.abs(g.alpha) * magnitude.getEntry(i, j) + Math.abs(g.beta * c0)) + 1e-30;
        double got = c[g.cOff + i * g.ldc + j];
        if (Math.abs(got - want) > bound) {
          fail(g + ": C[" + i + "][" + j + "] = " + got + ", Commons Math says " + want + " ± " + bound);
        }
      }
    }
  }

  @Test
  void betaZeroOverwritesNaNInC() {
    SplittableRandom rnd = new SplittableRandom(3);
    for (int[] s : new int[][] {{3, 4, 5}, {50, 70, 90}}) {
      GemmCase g = new GemmCase(rnd, false, true, s[0], s[1], s[2], 1f, 0f, 0, 0);
      float[] c = new float[g.c.length];
      java.util.Arrays.fill(c, Float.NaN);
      Gemm.sgemm(g.transA, g.transB, g.m, g.n, g.k, 1f, g.a, 0, g.lda, g.b, 0, g.ldb, 0f, c, 0, g.ldc);
      for (int i = 0; i < g.m * g.n; i++) {
        assertTrue(Float.isFinite(c[i]), "NaN survived beta == 0 at " + i);
      }
    }
  }

  @Test
  void alphaZeroOrEmptyKScalesCAndDoesNotReadAOrB() {
    float[] a = {Float.NaN, Float.NaN, Float.NaN, Float.NaN};
    float[] b = {Float.NaN, Float.NaN, Float.NaN, Float.NaN};
    float[] c = {1, 2, 3, 4};
    Gemm.sgemm(false, false, 2, 2, 2, 0f, a, 0, 2, b, 0, 2, 2f, c, 0, 2);
    assertArrayEquals(new float[] {2, 4, 6, 8}, c);
    Gemm.sgemm(false, false, 2, 2, 0, 1f, a, 0, 1, b, 0, 2, 0f, c, 0, 2);
    assertArrayEquals(new float[] {0, 0, 0, 0}, c);
  }

  /** A row's bits do not depend on which other rows share the call: the base of batch splitting. */
  @Test
  void aRowOfCIsTheSameWhateverRowsShareTheCall() {
    SplittableRandom rnd = new SplittableRandom(11);
    int m = 150, n = 90, k = 700;
    float[] x = GemmCase.random(rnd, m * k);
    float[] w = GemmCase.random(rnd, n * k);
    float[] whole = new float[m * n];
    Gemm.sgemm(false, true, m, n, k, 1f, x, 0, k, w, 0, k, 0f, whole, 0, n);
    for (int[] part : new int[][] {{0, 1}, {5, 7}, {37, 64}, {100, 50}}) {
      float[] some = new float[part[1] * n];
      Gemm.sgemm(false, true, part[1], n, k, 1f, x, part[0] * k, k, w, 0, k, 0f, some, 0, n);
      for (int i = 0; i < part[1] * n; i++) {
        assertEquals(Float.floatToRawIntBits(whole[part[0] * n + i]), Float.floatToRawIntBits(some[i]),
            "rows " + part[0] + "+" + part[1] + ", element " + i);
      }
    }
  }

  /** A second thread on a busy pool is refused, and the running call's result is untouched. */
  @Test
  void aBusyPoolRefusesASecondCallerWithoutHarmingTheFirst() throws Exception {
    SplittableRandom rnd = new SplittableRandom(5);
    GemmCase big = new GemmCase(rnd, false, true, 300, 300, 300, 1f, 0f, 0, 0);
    float[] expected = big.expected();
    try (WorkerPool pool = new WorkerPool(2)) {
      java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
      Thread intruder = new Thread(() -> {
        float[] junk = new float[300 * 300];
        while (!stop.get()) {
          try {
            Gemm.sgemm(pool, false, false, 300, 300, 300, 1f, junk, 0, 300, junk, 0, 300, 0f, junk, 0, 300);
          } catch (IllegalStateException e) {
            // refused: the pool was busy with the main thread's call
          }
          Thread.yield(); // leave the main thread a window
        }
      });
      intruder.start();
      int done = 0;
      try {
        long deadline = System.nanoTime() + 20_000_000_000L;
        for (int rep = 0; done < 20 && System.nanoTime() < deadline; rep++) {
          float[] c = big.freshC();
          try {
            Gemm.sgemm(pool, false, true, big.m, big.n, big.k, 1f, big.a, big.aOff, big.lda, big.b,
                big.bOff, big.ldb, 0f, c, big.cOff, big.ldc);
          } catch (IllegalStateException e) {
            continue; // the intruder held the pool this time
          }
          assertBitsEqual(expected, c, "rep " + rep);
          done++;
        }
      } finally {
        stop.set(true);
        intruder.join();
      }
      assertTrue(done > 0, "no call got the pool in 20 s");
    }
  }

  static void assertBitsEqual(float[] expected, float[] actual, String what) {
    assertEquals(expected.length, actual.length, what);
    for (int i = 0; i < expected.length; i++) {
      if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
        fail(what + ": element " + i + " is " + actual[i] + ", expected " + expected[i]);
      }
    }
  }

  /**
   * Arrays exactly as long as their matrices (no offset, no padding), so a packer or kernel that
   * reads a vector past a matrix's last element throws or uses it: every transpose, on the in-place
   * and packed paths, with a last panel of A that is whole (rows a multiple of MR) and one that is not.
   */
  @Test
  void readsNothingPastTheEndOfTightArrays() {
    SplittableRandom rnd = new SplittableRandom(21);
    int[][] shapes = {{MR * 2, NR + 1, 7}, {MR * 30, 70, 400}, {MC + MR, NR * 9, KC + 77}, {MR * 30 + 1, 70, 400},
        {10, 4 * NR + 5, 128}}; // the last: a 10-class layer's dW, A's last step at the array's end
    for (int[] s : shapes) {
      int m = s[0], n = s[1], k = s[2];
      for (boolean ta : new boolean[] {false, true}) {
        for (boolean tb : new boolean[] {false, true}) {
          float[] a = GemmCase.random(rnd, m * k), b = GemmCase.random(rnd, k * n);
          int lda = ta ? m : k, ldb = tb ? k : n;
          float[] expected = new float[m * n];
          ReferenceGemm.sgemm(ta, tb, m, n, k, 1f, a, 0, lda, b, 0, ldb, 0f, expected, 0, n);
          float[] c = new float[m * n];
          Gemm.sgemm(ta, tb, m, n, k, 1f, a, 0, lda, b, 0, ldb, 0f, c, 0, n);
          String what = "transA=" + ta + " transB=" + tb + " " + m + "×" + n + "×" + k;
          assertBitsEqual(expected, c, what);
          Gemm.sgemm(POOLS.get(1), ta, tb, m, n, k, 1f, a, 0, lda, b, 0, ldb, 0f, c, 0, n);
          assertBitsEqual(expected, c, what + ", 2 threads");
        }
      }
    }
  }

  @Test
  void kBlocksAreEqualAndCoverK() {
    for (int k = 1; k < 5 * GemmBlocking.KC; k += 7) {
      int kb = GemmBlocking.kBlock(k);
      int blocks = (k + kb - 1) / kb;
      assertTrue(kb <= GemmBlocking.KC, "k=" + k);
      assertEquals((k + GemmBlocking.KC - 1) / GemmBlocking.KC, blocks, "k=" + k);
    }
  }
}
