package dev.lanes.kernel;

/** Argument checks for {@link Gemm}: every problem is reported before anything is written. */
final class GemmChecks {
  private GemmChecks() {}

  static void check(boolean transA, boolean transB, int m, int n, int k,
                    float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                    float[] c, int cOff, int ldc) {
    if (m < 0 || n < 0 || k < 0) {
      throw new IllegalArgumentException(
          "sgemm: sizes must be >= 0, got m=" + m + ", n=" + n + ", k=" + k);
    }
    // stored shapes: A is m×k (k×m if transposed), B is k×n (n×k if transposed), C is m×n
    matrix("a", "op(A) " + m + "×" + k + (transA ? " (transA: stored " + k + "×" + m + ")" : ""),
        a, aOff, lda, transA ? k : m, transA ? m : k);
    matrix("b", "op(B) " + k + "×" + n + (transB ? " (transB: stored " + n + "×" + k + ")" : ""),
        b, bOff, ldb, transB ? n : k, transB ? k : n);
    matrix("c", "C " + m + "×" + n, c, cOff, ldc, m, n);
  }

  /** A stored rows×cols matrix at x[off + i*ld + j]. */
  private static void matrix(String name, String shape, float[] x, int off, int ld, int rows, int cols) {
    if (ld < Math.max(1, cols)) {
      throw new IllegalArgumentException("sgemm: ld" + name + "=" + ld + " is smaller than max(1, "
          + cols + "), the width of " + shape);
    }
    if (x == null) {
      throw new IllegalArgumentException("sgemm: " + name + " is null (" + shape + ")");
    }
    if (off < 0) {
      throw new IllegalArgumentException("sgemm: " + name + "Off=" + off + " is negative (" + shape + ")");
    }
    if (rows == 0 || cols == 0) {
      return;
    }
    long needed = off + (long) (rows - 1) * ld + cols;
    if (needed > x.length) {
      throw new IllegalArgumentException("sgemm: " + name + " is too short for " + shape + " at "
          + name + "Off=" + off + ", ld" + name + "=" + ld + ": needs " + needed
          + " elements, has " + x.length);
    }
  }
}
