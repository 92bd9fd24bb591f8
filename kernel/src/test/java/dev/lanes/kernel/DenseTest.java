package dev.lanes.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The fused dense passes give the same bits as their unfused composition (GEMM, then the
 * activation loop) on every GEMM path, tile edge, k-block count and thread count.
 */
class DenseTest {
  private static final int[] SIZES = {1, 2, GemmBlocking.VL + 1, GemmBlocking.MR + 1,
      GemmBlocking.NR, GemmBlocking.NR + 3, 37, 61, GemmBlocking.KC + 1};
  private static final List<WorkerPool> POOLS = new ArrayList<>();
  private static final InferenceScratch SCRATCH = new InferenceScratch();

  @BeforeAll
  static void pools() {
    POOLS.add(null);
    for (int t : new int[] {1, 2, 3, 8}) {
      POOLS.add(new WorkerPool(t));
    }
  }

  @AfterAll
  static void closePools() {
    POOLS.stream().filter(p -> p != null).forEach(WorkerPool::close);
  }

  @Test
  void fusedForwardEqualsGemmThenActivationBitForBit() {
    SplittableRandom rnd = new SplittableRandom(31);
    for (int trial = 0; trial < 120; trial++) {
      int m = SIZES[rnd.nextInt(SIZES.length)] + (trial % 3 == 0 ? 60 : 0);
      int n = SIZES[rnd.nextInt(SIZES.length)];
      int k = trial == 0 ? 0 : SIZES[rnd.nextInt(SIZES.length)] + (trial % 5 == 0 ? GemmBlocking.KC : 0);
      if (trial == 1) { // workers claim row blocks (GemmDriver), the epilogue on the last of two k-blocks
        m = 12 * GemmBlocking.MC + 5;
        n = 3 * GemmBlocking.NR + 5;
        k = GemmBlocking.KC + 9;
      }
      if (trial == 2) { // A in place, workers owning column ranges, the epilogue after two k-blocks (AVX-512)
        m = GemmBlocking.SWAP_ROWS + 1;
        n = 7 * GemmBlocking.NR + 5;
        k = (int) (GemmBlocking.IN_PLACE_MNK / (m * n));
      }
      if (trial == 3) { // B's panels held in registers (AVX-512), rows split, the epilogue per group of rows
        m = 1000;
        n = 7 * GemmBlocking.NR + 5;
        k = GemmShallow.DEPTH - 1;
      }
      Activation act = ActivationTwin.ALL[trial % ActivationTwin.ALL.length];
      boolean withBias = trial % 4 != 1, keepPre = trial % 2 == 0;
      GemmCase g = new GemmCase(rnd, false, true, m, n, k, 1f, 0f, 5, 4);
      float[] bias = withBias ? VectorMathTest.sweep(-2f, 2f, n + 3, trial) : null;
      // unfused: C = X·Wᵀ, then pre = C + b, Y = act(pre)
      float[] expectY = g.c.clone();
      Gemm.sgemm(false, true, m, n, k, 1f, g.a, g.aOff, g.lda, g.b, g.bOff, g.ldb, 0f, expectY, g.cOff, g.ldc);
      float[] expectPre = new float[g.c.length];
      act.forward(m, n, expectY, g.cOff, g.ldc, bias, 3, expectPre, g.cOff, g.ldc, expectY, g.cOff, g.ldc);
      for (WorkerPool pool : POOLS) {
        float[] y = g.c.clone();
        float[] pre = keepPre ? new float[g.c.length] : null;
        Dense.forward(pool, act, m, n, k, g.a, g.aOff, g.lda, g.b, g.bOff, g.ldb, bias, 3,
            pre, g.cOff, g.ldc, y, g.cOff, g.ldc);
        String what = act + " m=" + m + " n=" + n + " k=" + k + " threads="
            + (pool == null ? "caller" : pool.size());
        assertArrayEquals(expectY, y, what);
        if (keepPre) {
          assertArrayEquals(expectPre, pre, what + " (pre)");
        }
      }
    }
  }

  @Test
  void packedForwardEqualsTheForwardOnUnpackedWeightsBitForBit() {
    SplittableRandom rnd = new SplittableRandom(33);
    int[] ms = {1, 2, GemmBlocking.MR - 1, GemmBlocking.MR, GemmBlocking.MR + 1, 64, 131};
    int[] ns = {1, GemmBlocking.NR - 1, GemmBlocking.NR, GemmBlocking.NR + 1, 3 * GemmBlocking.NR + 1,
        4 * GemmBlocking.NR, 4 * GemmBlocking.NR + 5, 9 * GemmBlocking.NR + 3};
    int[] ks = {0, 1, 7, GemmBlocking.KC, GemmBlocking.KC + 1, 2 * GemmBlocking.KC + 77};
    for (int trial = 0; trial < 90; trial++) {
      int m = ms[rnd.nextInt(ms.length)], n = ns[rnd.nextInt(ns.length)], k = ks[rnd.nextInt(ks.length)];
      Activation act = ActivationTwin.ALL[trial % ActivationTwin.ALL.length];
      GemmCase g = new GemmCase(rnd, false, true, m, n, k, 1f, 0f, 5, 4); // offsets and ld > width
      float[] bias = trial % 4 == 1 ? null : VectorMathTest.sweep(-2f, 2f, n + 3, trial);
      PackedWeights w = PackedWeights.of(n, k, g.b, g.bOff, g.ldb);
      float[] expected = g.c.clone();
      Dense.forward(POOLS.get(3), act, m, n, k, g.a, g.aOff, g.lda, g.b, g.bOff, g.ldb, bias, 3,
          null, 0, 0, expected, g.cOff, g.ldc);
      java.util.Arrays.fill(g.b, Float.NaN); // packing copied W
      float[] y = g.c.clone();
      Dense.forward(act, m, w, g.a, g.aOff, g.lda, bias, 3, y, g.cOff, g.ldc);
      assertArrayEquals(expected, y, act + " m=" + m + " n=" + n + " k=" + k);
      y = g.c.clone(); // the caller's scratch instead of the thread's
      Dense.forward(SCRATCH, act, m, w, g.a, g.aOff, g.lda, bias, 3, y, g.cOff, g.ldc);
      assertArrayEquals(expected, y, act + " m=" + m + " n=" + n + " k=" + k + " (caller's scratch)");
    }
    PackedWeights w = PackedWeights.of(3, 4, new float[12], 0, 4);
    assertEquals(3, w.outputs());
    assertEquals(4, w.inputs());
    assertThrows(IllegalArgumentException.class, () -> PackedWeights.of(3, 4, new float[11], 0, 4));
    assertThrows(IllegalArgumentException.class,
        () -> Dense.forward(Activation.RELU, 2, w, new float[7], 0, 4, null, 0, new float[6], 0, 3));
    assertThrows(IllegalArgumentException.class,
        () -> Dense.forward(Activation.RELU, 2, w, new float[8], 0, 4, null, 0, new float[5], 0, 3));
  }

  @Test
  void fusedBackwardEqualsItsParts() {
    SplittableRandom rnd = new SplittableRandom(32);
    for (int trial = 0; trial < 60; trial++) {
      int m = SIZES[rnd.nextInt(SIZES.length)];
      int n = SIZES[rnd.nextInt(SIZES.length)];
      int k = SIZES[rnd.nextInt(SIZES.length)];
      Activation act = ActivationTwin.ALL[trial % ActivationTwin.ALL.length];
      float[] x = VectorMathTest.sweep(-1f, 1f, m * k, trial);
      float[] w = VectorMathTest.sweep(-1f, 1f, n * k, trial + 1000);
      float[] saved = VectorMathTest.sweep(-3f, 3f, m * n, trial + 2000);
      float[] dy = VectorMathTest.sweep(-1f, 1f, m * n, trial + 3000);
      float[] dw0 = VectorMathTest.sweep(-1f, 1f, n * k, trial + 4000);
      float dwBeta = trial % 2 == 0 ? 0f : 1f;
      // parts: dZ and db, then dW = dZᵀ·X + beta·dW, dX = dZ·W
      float[] dz = new float[m * n], db = new float[n], dw = dw0.clone(), dx = new float[m * k];
      act.backward(m, n, dy, 0, n, saved, 0, n, dz, 0, n, db, 0);
      Gemm.sgemm(true, false, n, k, m, 1f, dz, 0, n, x, 0, k, dwBeta, dw, 0, k);
      Gemm.sgemm(false, false, m, k, n, 1f, dz, 0, n, w, 0, k, 0f, dx, 0, k);
      for (WorkerPool pool : POOLS) {
        float[] dyFused = dy.clone(), dbFused = new float[n], dwFused = dw0.clone(), dxFused = new float[m * k];
        Dense.backward(pool, act, m, n, k, x, 0, k, w, 0, k, saved, 0, n, dyFused, 0, n,
            dwBeta, dwFused, 0, k, dbFused, 0, dxFused, 0, k);
        String what = act + " m=" + m + " n=" + n + " k=" + k;
        assertArrayEquals(dz, dyFused, what + " dZ over dY");
        assertArrayEquals(db, dbFused, what + " db");
        assertArrayEquals(dw, dwFused, what + " dW");
        assertArrayEquals(dx, dxFused, what + " dX");
      }
    }
  }

  @Test
  void forwardAgreesWithDoublePrecision() {
    SplittableRandom rnd = new SplittableRandom(33);
    int m = 9, n = 19, k = 700;
    GemmCase g = new GemmCase(rnd, false, true, m, n, k, 1f, 0f, 0, 0);
    float[] bias = VectorMathTest.sweep(-1f, 1f, n, 5);
    float[] y = new float[m * n];
    Dense.forward(null, Activation.TANH, m, n, k, g.a, g.aOff, g.lda, g.b, g.bOff, g.ldb, bias, 0,
        null, 0, 1, y, 0, n);
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double z = bias[j];
        double mag = Math.abs(bias[j]);
        for (int p = 0; p < k; p++) {
          double t = (double) g.a[g.aOff + i * g.lda + p] * g.b[g.bOff + j * g.ldb + p];
          z += t;
          mag += Math.abs(t);
        }
        // the GEMM's error bound (k·ε·Σ|x·w|) passed through tanh (slope ≤ 1), plus tanh's own
        assertEquals(Math.tanh(z), y[i * n + j], k * 0x1p-24 * mag + 3 * Math.ulp(1f), "at " + i + "," + j);
      }
    }
  }

  @Test
  void badArgumentsAreReportedBeforeAnyWrite() {
    float[] x = new float[6], w = new float[6], y = new float[4];
    Arrays.fill(y, 9f);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Dense.forward(null,
        Activation.RELU, 2, 2, 3, x, 0, 3, w, 0, 3, new float[1], 0, null, 0, 1, y, 0, 2));
    assertTrue(e.getMessage().contains("bias"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Dense.forward(null,
        null, 2, 2, 3, x, 0, 3, w, 0, 3, null, 0, null, 0, 1, y, 0, 2));
    assertTrue(e.getMessage().contains("act"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Dense.forward(null,
        Activation.RELU, 2, 3, 3, x, 0, 3, w, 0, 3, null, 0, null, 0, 1, y, 0, 2));
    for (float v : y) {
      assertEquals(9f, v);
    }
  }
}
