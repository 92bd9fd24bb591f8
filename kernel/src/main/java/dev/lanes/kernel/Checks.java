package dev.lanes.kernel;

/**
 * Argument checks for the flat kernels (activations, losses, reductions, updates), in the style of
 * {@link GemmChecks}: each names the function, the argument and its value, and runs before anything
 * is written. Messages are built only on failure, so a valid call allocates nothing here.
 */
final class Checks {
  private Checks() {}

  /** A size ({@code n}, {@code m}) must be {@code >= 0}. */
  static void size(String fn, String name, int value) {
    if (value < 0) {
      throw new IllegalArgumentException(fn + ": " + name + "=" + value + " is negative");
    }
  }

  /** {@code x[off .. off+count)} must lie inside a non-null x; {@code off == x.length} is fine when count is 0. */
  static void span(String fn, String name, float[] x, int off, int count) {
    if (x == null) {
      throw new IllegalArgumentException(fn + ": " + name + " is null");
    }
    span(fn, name, x.length, off, count);
  }

  /** As {@link #span(String, String, float[], int, int)} for an int array. */
  static void span(String fn, String name, int[] x, int off, int count) {
    if (x == null) {
      throw new IllegalArgumentException(fn + ": " + name + " is null");
    }
    span(fn, name, x.length, off, count);
  }

  private static void span(String fn, String name, int length, int off, int count) {
    if (off < 0) {
      throw new IllegalArgumentException(fn + ": " + name + "Off=" + off + " is negative");
    }
    long needed = (long) off + count;
    if (needed > length) {
      throw new IllegalArgumentException(fn + ": " + name + " is too short at " + name + "Off=" + off
          + " for " + count + " elements: needs " + needed + ", has " + length);
    }
  }

  /**
   * A row-major rows×cols matrix at {@code x[off + i*ld + j]}: ld at least max(1, cols), x not
   * null, off not negative, and the last row inside x (not checked when the matrix is empty).
   */
  static void matrix(String fn, String name, float[] x, int off, int ld, int rows, int cols) {
    if (ld < Math.max(1, cols)) {
      throw new IllegalArgumentException(
          fn + ": ld" + name + "=" + ld + " is smaller than max(1, n=" + cols + ")");
    }
    if (x == null) {
      throw new IllegalArgumentException(fn + ": " + name + " is null");
    }
    if (off < 0) {
      throw new IllegalArgumentException(fn + ": " + name + "Off=" + off + " is negative");
    }
    if (rows == 0 || cols == 0) {
      return;
    }
    long needed = off + (long) (rows - 1) * ld + cols;
    if (needed > x.length) {
      throw new IllegalArgumentException(fn + ": " + name + " is too short at " + name + "Off=" + off
          + ", ld" + name + "=" + ld + " for " + rows + "×" + cols + ": needs " + needed
          + " elements, has " + x.length);
    }
  }

  /** A learning rate, weight decay or epsilon: finite and {@code >= 0}. */
  static void nonNegative(String fn, String name, float value) {
    if (!(value >= 0 && value < Float.POSITIVE_INFINITY)) {
      throw new IllegalArgumentException(fn + ": " + name + "=" + value + " must be finite and >= 0");
    }
  }

  /** A decay rate (momentum, beta1, beta2) in [0, 1). */
  static void unitInterval(String fn, String name, float value) {
    if (!(value >= 0 && value < 1)) {
      throw new IllegalArgumentException(fn + ": " + name + "=" + value + " is outside [0, 1)");
    }
  }

  /**
   * A gradient scale: not negative and not infinite. NaN passes: it is what a clip factor computed
   * from a NaN norm is, and it poisons the weights the way a NaN gradient would.
   */
  static void gradScale(String fn, float value) {
    if (value < 0 || Float.isInfinite(value)) {
      throw new IllegalArgumentException(fn + ": gradScale=" + value + " must be finite and >= 0 (or NaN)");
    }
  }
}
