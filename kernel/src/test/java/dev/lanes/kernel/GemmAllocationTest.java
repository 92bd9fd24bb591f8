package dev.lanes.kernel;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Once compiled, a product allocates nothing on every path: a vector op that runs outside C2 (in
 * the interpreter or C1, or in a method C2 gave up on) allocates a box per vector, so this fails
 * when a kernel never reaches C2. It fails on the 12-row tile with both of its folds into C in
 * registers: C1 could not compile that ("out of virtual registers"), C2 never took it up, and a
 * 96×20×24 call (short k, as a batch-24 layer's dW) allocated 0.7 MB, for good.
 */
class GemmAllocationTest {
  private static final int CALLS = 500, MAX_ROUNDS = 40; // failing, a round of boxed calls takes ~1 s

  @ParameterizedTest(name = "{0}: transA={1} transB={2} {3}×{4}×{5}")
  @CsvSource({
      "'packed: 12-row tiles, an 8-row last one, two k-blocks, an edge panel', true, false, 100, 40, 300",
      "'packed: 12-row tiles, short k (as a layer dW of batch 24)', true, false, 96, 20, 24",
      "'packed: 8-row panels (few rows)', true, false, 48, 20, 24",
      "A in place, false, false, 50, 50, 50",
      "'A in place, depth 10 (B in registers), a partial panel', false, false, 60, 45, 10",
      "Aᵀ·B unpacked (one 12-row tile), true, false, 10, 128, 128",
      "Aᵀ·B unpacked (two row tiles), true, false, 16, 128, 128",
      "few rows times Bᵀ (swapped), false, true, 20, 100, 64"})
  void aProductAllocatesNothingOnceCompiled(String path, boolean transA, boolean transB, int m, int n, int k) {
    SplittableRandom rnd = new SplittableRandom(3);
    float[] a = GemmCase.random(rnd, m * k), b = GemmCase.random(rnd, k * n), c = new float[m * n];
    int lda = transA ? m : k, ldb = transB ? k : n;
    com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    try (WorkerPool pool = new WorkerPool(2)) {
      long least = Long.MAX_VALUE;
      for (int round = 0; round < MAX_ROUNDS && least >= 1024; round++) {
        long before = mx.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < CALLS; i++) {
          Gemm.sgemm(transA, transB, m, n, k, 1f, a, 0, lda, b, 0, ldb, 0.5f, c, 0, n);
          Gemm.sgemm(pool, transA, transB, m, n, k, 1f, a, 0, lda, b, 0, ldb, 0f, c, 0, n);
        }
        least = Math.min(least, mx.getCurrentThreadAllocatedBytes() - before);
      }
      assertTrue(least < 1024, path + ": the least a round of " + 2 * CALLS + " calls allocated in "
          + MAX_ROUNDS + " rounds was " + least + " bytes");
    }
  }
}
