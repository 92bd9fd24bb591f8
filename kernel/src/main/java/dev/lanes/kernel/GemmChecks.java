package dev.lanes.kernel;

/**
 * Argument checks for {@link Gemm}: every problem is reported before anything is written. Messages
 * are built only on failure, so a valid call allocates nothing here.
 */
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
    matrix('a', a, aOff, lda, transA ? k : m, transA ? m : k, m, k, transA);
    matrix('b', b, bOff, ldb, transB ? n : k, transB ? k : n, k, n, transB);
    matrix('c', c, cOff, ldc, m, n, m, n, false);
  }

  /** A stored rows×cols matrix at x[off + i*ld + j]; opRows×opCols is its shape in the product. */
  private static void matrix(char name, float[] x, int off, int ld, int rows, int cols,
                             int opRows, int opCols, boolean trans) {
    if (ld < Math.max(1, cols)) {
      throw fail(name, opRows, opCols, trans, "ld" + name + "=" + ld + " is smaller than max(1, " + cols + ")");
    }
    if (x == null) {
      throw fail(name, opRows, opCols, trans, name + " is null");
    }
    if (off < 0) {
      throw fail(name, opRows, opCols, trans, name + "Off=" + off + " is negative");
    }
    if (rows == 0 || cols == 0) {
      return;
    }
    long needed = off + (long) (rows - 1) * ld + cols;
    if (needed > x.length) {
      throw fail(name, opRows, opCols, trans, name + " is too short at " + name + "Off=" + off + ", ld"
          + name + "=" + ld + ": needs " + needed + " elements, has " + x.length);
    }
  }

  private static IllegalArgumentException fail(char name, int opRows, int opCols, boolean trans, String what) {
    String shape = name == 'c' ? "C " + opRows + "×" + opCols
        : "op(" + Character.toUpperCase(name) + ") " + opRows + "×" + opCols
            + (trans ? " (trans" + Character.toUpperCase(name) + ": stored " + opCols + "×" + opRows + ")" : "");
    return new IllegalArgumentException("sgemm: " + what + " (" + shape + ")");
  }
}
