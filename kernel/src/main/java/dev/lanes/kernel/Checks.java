package dev.lanes.kernel;

/**
 * Argument checks for the elementwise kernels: each failure names the function, the argument, the
 * values and the array length, and happens before anything is written. Messages are built only on
 * failure, so a valid call allocates nothing here.
 */
final class Checks {
  private Checks() {}

  static void size(String fn, String name, int value) {
    if (value < 0) {
      throw new IllegalArgumentException(fn + ": " + name + " must be >= 0, got " + value);
    }
  }

  /** A rows×cols matrix stored at x[off + i*ld + j]. */
  static void matrix(String fn, String name, float[] x, int off, int ld, int rows, int cols) {
    if (x == null) {
      throw new IllegalArgumentException(fn + ": " + name + " is null");
    }
    if (ld < Math.max(1, cols)) {
      throw new IllegalArgumentException(fn + ": ld of " + name + " (" + ld + ") is smaller than max(1, "
          + cols + ") for a " + rows + "×" + cols + " matrix");
    }
    if (off < 0) {
      throw new IllegalArgumentException(fn + ": offset of " + name + " is negative: " + off);
    }
    if (rows == 0 || cols == 0) {
      return;
    }
    long needed = off + (long) (rows - 1) * ld + cols;
    if (needed > x.length) {
      throw new IllegalArgumentException(fn + ": " + name + " is too short for a " + rows + "×" + cols
          + " matrix at offset " + off + ", ld " + ld + ": needs " + needed + " elements, has " + x.length);
    }
  }

  /** n elements at x[off]. */
  static void vector(String fn, String name, float[] x, int off, int n) {
    if (x == null) {
      throw new IllegalArgumentException(fn + ": " + name + " is null");
    }
    range(fn, name, x.length, off, n);
  }

  /** n elements at x[off]. */
  static void vector(String fn, String name, int[] x, int off, int n) {
    if (x == null) {
      throw new IllegalArgumentException(fn + ": " + name + " is null");
    }
    range(fn, name, x.length, off, n);
  }

  private static void range(String fn, String name, int length, int off, int n) {
    if (off < 0 || (long) off + n > length) {
      throw new IllegalArgumentException(fn + ": " + name + " has " + length + " elements, needs "
          + n + " from offset " + off);
    }
  }
}
