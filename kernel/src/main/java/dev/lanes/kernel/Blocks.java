package dev.lanes.kernel;

import static dev.lanes.kernel.GemmBlocking.SPECIES;
import static dev.lanes.kernel.GemmBlocking.VL;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * Staging of matrix blocks into small contiguous scratch, padded to whole vectors, so that the math
 * passes ({@link VectorMath}, the activation and loss passes) run on whole vectors only and every
 * element goes through the same arithmetic whatever its position. A block is rows × cols with
 * rows·{@link #width}(cols) ≤ {@link #CHUNK}; it stays in L1.
 */
final class Blocks {
  private Blocks() {}

  /**
   * Floats in one staged block (4 KiB): three of them sit in L1 beside the data they come from, and
   * one holds the 48×16 strip of C that the GEMM's epilogue treats at a time.
   */
  static final int CHUNK = 1024;
  /** Scratch one thread needs: three staged blocks. */
  static final int SCRATCH = 3 * CHUNK;

  private static final ThreadLocal<float[]> LOCAL = ThreadLocal.withInitial(() -> new float[SCRATCH]);

  /** This thread's scratch, for calls that come without a workspace. */
  static float[] scratch() {
    return LOCAL.get();
  }

  /** Columns of a staged row: cols rounded up to whole vectors. */
  static int width(int cols) {
    return (cols + VL - 1) / VL * VL;
  }

  /** Columns per block for rows of n: all of them when they fit, else CHUNK at a time. */
  static int cols(int n) {
    return Math.min(n, CHUNK);
  }

  /** Rows per block of {@code cols} columns. */
  static int rows(int cols) {
    return Math.max(1, CHUNK / Math.max(1, width(cols)));
  }

  /**
   * {@code dst[dOff + r·w + j] = src[sOff + r·lds + j] (+ bias[bOff + j])} for j < cols, and
   * {@code pad} for cols ≤ j < w, w = width(cols). bias may be null.
   */
  static void stage(int rows, int cols, float[] src, int sOff, int lds, float[] bias, int bOff,
                    float pad, float[] dst, int dOff) {
    int w = width(cols);
    int full = SPECIES.loopBound(cols);
    VectorMask<Float> tail = SPECIES.indexInRange(full, cols);
    for (int r = 0; r < rows; r++) {
      int s = sOff + r * lds;
      int d = dOff + r * w;
      for (int j = 0; j < full; j += VL) {
        FloatVector v = FloatVector.fromArray(SPECIES, src, s + j);
        if (bias != null) {
          v = v.add(FloatVector.fromArray(SPECIES, bias, bOff + j));
        }
        v.intoArray(dst, d + j);
      }
      if (full < w && s + full + VL <= src.length && (bias == null || bOff + full + VL <= bias.length)) {
        FloatVector v = FloatVector.fromArray(SPECIES, src, s + full, tail);
        if (bias != null) {
          v = v.add(FloatVector.fromArray(SPECIES, bias, bOff + full, tail));
        }
        v.blend(pad, tail.not()).intoArray(dst, d + full);
      } else if (full < w) { // a masked vector here would pass the end of an array: see unstage
        for (int j = full; j < w; j++) {
          dst[d + j] = j >= cols ? pad : bias == null ? src[s + j] : src[s + j] + bias[bOff + j];
        }
      }
    }
  }

  /** {@code dst[dOff + r·ldd + j] = src[sOff + r·w + j]} for j < cols: the inverse of stage. */
  static void unstage(int rows, int cols, float[] src, int sOff, float[] dst, int dOff, int ldd) {
    // vector copies, not System.arraycopy: rows here are a tile's 16 or 32 floats, where a call's
    // fixed cost (measured: ~4% of a 128×256×784 product over its 352 tiles) is most of the work
    int w = width(cols);
    int full = SPECIES.loopBound(cols);
    VectorMask<Float> tail = SPECIES.indexInRange(full, cols);
    for (int r = 0; r < rows; r++) {
      int s = sOff + r * w;
      int d = dOff + r * ldd;
      for (int j = 0; j < full; j += VL) {
        FloatVector.fromArray(SPECIES, src, s + j).intoArray(dst, d + j);
      }
      if (full < cols && d + full + VL <= dst.length) {
        FloatVector.fromArray(SPECIES, src, s + full).intoArray(dst, d + full, tail);
      } else if (full < cols) { // past the end of dst a masked store checks every lane: far slower
        System.arraycopy(src, s + full, dst, d + full, cols - full);
      }
    }
  }

  /**
   * {@code acc[aOff + j] += src[sOff + r·w + j]} for each row r in order, j < cols: one vector
   * column at a time down the rows, so acc is read and written once (a masked access to acc,
   * checked lane by lane at the end of its array, once per column rather than per row).
   */
  static void addRows(int rows, int cols, float[] src, int sOff, float[] acc, int aOff) {
    int w = width(cols);
    for (int j = 0; j < cols; j += VL) {
      VectorMask<Float> lanes = SPECIES.indexInRange(j, cols);
      FloatVector sum = FloatVector.fromArray(SPECIES, acc, aOff + j, lanes);
      for (int r = 0, s = sOff + j; r < rows; r++, s += w) {
        sum = sum.add(FloatVector.fromArray(SPECIES, src, s)); // staged rows are whole vectors wide
      }
      sum.intoArray(acc, aOff + j, lanes);
    }
  }
}
