package dev.lanes.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Bad arguments are named in the message and nothing is written to C. */
class GemmArgumentsTest {
  // op(A) 2×3, op(B) 3×4, C 2×4
  private final float[] a = new float[6];
  private final float[] b = new float[12];
  private final float[] c = {1, 2, 3, 4, 5, 6, 7, 8};

  private void rejects(String expectedInMessage, Runnable call) {
    float[] before = c.clone();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
    assertTrue(e.getMessage().contains(expectedInMessage),
        "message '" + e.getMessage() + "' should mention '" + expectedInMessage + "'");
    assertArrayEquals(before, c, "C was written before the check failed");
  }

  @Test
  void negativeSizes() {
    rejects("m=-1", () -> Gemm.sgemm(false, false, -1, 4, 3, 1f, a, 0, 3, b, 0, 4, 0f, c, 0, 4));
    rejects("n=-2", () -> Gemm.sgemm(false, false, 2, -2, 3, 1f, a, 0, 3, b, 0, 4, 0f, c, 0, 4));
    rejects("k=-3", () -> Gemm.sgemm(false, false, 2, 4, -3, 1f, a, 0, 3, b, 0, 4, 0f, c, 0, 4));
  }

  @Test
  void leadingDimensionsTooSmall() {
    rejects("lda=2", () -> Gemm.sgemm(false, false, 2, 4, 3, 1f, a, 0, 2, b, 0, 4, 0f, c, 0, 4));
    rejects("lda=1", () -> Gemm.sgemm(true, false, 2, 4, 3, 1f, a, 0, 1, b, 0, 4, 0f, c, 0, 4));
    rejects("ldb=3", () -> Gemm.sgemm(false, false, 2, 4, 3, 1f, a, 0, 3, b, 0, 3, 0f, c, 0, 4));
    rejects("ldb=2", () -> Gemm.sgemm(false, true, 2, 4, 3, 1f, a, 0, 3, b, 0, 2, 0f, c, 0, 4));
    rejects("ldc=3", () -> Gemm.sgemm(false, false, 2, 4, 3, 1f, a, 0, 3, b, 0, 4, 0f, c, 0, 3));
    rejects("lda=0", () -> Gemm.sgemm(false, false, 2, 4, 0, 1f, a, 0, 0, b, 0, 4, 0f, c, 0, 4));
  }

  @Test
  void arraysTooShortForOffsetsAndShapes() {
    rejects("a is too short", () -> Gemm.sgemm(false, false, 2, 4, 3, 1f, a, 1, 3, b, 0, 4, 0f, c, 0, 4));
    rejects("needs 13 elements, has 12", () -> Gemm.sgemm(false, false, 2, 4, 3, 1f, a, 0, 3, b, 1, 4, 0f, c, 0, 4));
    rejects("c is too short", () -> Gemm.sgemm(false, false, 2, 4, 3, 1f, a, 0, 3, b, 0, 4, 0f, c, 0, 5));
    rejects("aOff=-1", () -> Gemm.sgemm(false, false, 2, 4, 3, 1f, a, -1, 3, b, 0, 4, 0f, c, 0, 4));
    rejects("a is null", () -> Gemm.sgemm(false, false, 2, 4, 3, 1f, null, 0, 3, b, 0, 4, 0f, c, 0, 4));
    rejects("c is too short", () -> Gemm.sgemm(false, false, 2, 4, 3, 1f, a, 0, 3, b, 0, 4, 0f, c, Integer.MAX_VALUE, 4));
  }

  @Test
  void poolVariantChecksToo() {
    try (WorkerPool pool = new WorkerPool(2)) {
      rejects("ldc=3", () -> Gemm.sgemm(pool, false, false, 2, 4, 3, 1f, a, 0, 3, b, 0, 4, 0f, c, 0, 3));
      rejects("pool is null", () -> Gemm.sgemm(null, false, false, 2, 4, 3, 1f, a, 0, 3, b, 0, 4, 0f, c, 0, 4));
    }
  }
}
