package dev.lanes.kernel;

import static dev.lanes.kernel.GemmBlocking.SPECIES;
import static dev.lanes.kernel.GemmBlocking.VL;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * Reductions over row-major matrices ({@code a[aOff + i*lda + j]}, {@code lda >= n}) and flat
 * arrays, each with a fixed summation order, so results are the same bits for every position of the
 * data, thread count and JIT tier. None uses {@code reduceLanes}, whose order is unspecified.
 */
public final class Reductions {
  private Reductions() {}

  /** Elements per block of {@link #sumOfSquares}: summed in float, then added into a double. */
  static final int BLOCK = 4096;

  /**
   * Column sums (the bias gradient): {@code out[j] = beta·out[j] + Σ_i a[i][j]} for the m×n matrix
   * a. Each column is summed in float from zero in row order 0..m−1 (one add per row), then folded
   * in as {@code out[j] = beta == 0 ? s : fma(beta, out[j], s)}; lanes are columns, so no column's
   * order depends on the others or on n. {@code beta == 0} never reads out, so NaN there is
   * overwritten; {@code m == 0} gives {@code beta·out} (zero when beta is 0) and does not read a.
   * Rounding error: at most {@code u·Σ_k |s_k|} for partial sums s_k, so below
   * {@code (m−1)·u·Σ_i |a[i][j]|} (u = 2⁻²⁴), plus the fold's one rounding.
   *
   * @throws IllegalArgumentException if m or n is negative, lda < max(1, n), a or out is null,
   *     or an offset is negative or leaves the matrix or n elements of out past the array's end
   */
  public static void columnSums(int m, int n, float[] a, int aOff, int lda, float beta,
                                float[] out, int outOff) {
    String fn = "Reductions.columnSums";
    Checks.size(fn, "m", m);
    Checks.size(fn, "n", n);
    Checks.matrix(fn, "a", a, aOff, lda, m, n);
    Checks.span(fn, "out", out, outOff, n);

    FloatVector zero = FloatVector.zero(SPECIES);
    FloatVector betaV = FloatVector.broadcast(SPECIES, beta);
    boolean readOut = beta != 0;
    int j = 0;
    // four vectors of columns at once: four independent add chains hide the add latency
    for (; j <= n - 4 * VL; j += 4 * VL) {
      FloatVector s0 = zero, s1 = zero, s2 = zero, s3 = zero;
      for (int i = 0, p = aOff + j; i < m; i++, p += lda) {
        s0 = s0.add(FloatVector.fromArray(SPECIES, a, p));
        s1 = s1.add(FloatVector.fromArray(SPECIES, a, p + VL));
        s2 = s2.add(FloatVector.fromArray(SPECIES, a, p + 2 * VL));
        s3 = s3.add(FloatVector.fromArray(SPECIES, a, p + 3 * VL));
      }
      int o = outOff + j;
      if (readOut) {
        FloatVector.fromArray(SPECIES, out, o).fma(betaV, s0).intoArray(out, o);
        FloatVector.fromArray(SPECIES, out, o + VL).fma(betaV, s1).intoArray(out, o + VL);
        FloatVector.fromArray(SPECIES, out, o + 2 * VL).fma(betaV, s2).intoArray(out, o + 2 * VL);
        FloatVector.fromArray(SPECIES, out, o + 3 * VL).fma(betaV, s3).intoArray(out, o + 3 * VL);
      } else {
        s0.intoArray(out, o);
        s1.intoArray(out, o + VL);
        s2.intoArray(out, o + 2 * VL);
        s3.intoArray(out, o + 3 * VL);
      }
    }
    for (; j <= n - VL; j += VL) {
      FloatVector s = zero;
      for (int i = 0, p = aOff + j; i < m; i++, p += lda) {
        s = s.add(FloatVector.fromArray(SPECIES, a, p));
      }
      int o = outOff + j;
      if (readOut) {
        FloatVector.fromArray(SPECIES, out, o).fma(betaV, s).intoArray(out, o);
      } else {
        s.intoArray(out, o);
      }
    }
    if (j < n) { // masked loads give the inactive lanes zeros; only active lanes are stored
      VectorMask<Float> mask = SPECIES.indexInRange(j, n);
      FloatVector s = zero;
      for (int i = 0, p = aOff + j; i < m; i++, p += lda) {
        s = s.add(FloatVector.fromArray(SPECIES, a, p, mask));
      }
      int o = outOff + j;
      if (readOut) {
        FloatVector.fromArray(SPECIES, out, o, mask).fma(betaV, s).intoArray(out, o, mask);
      } else {
        s.intoArray(out, o, mask);
      }
    }
  }

  /**
   * {@code Σ x[i]²} over {@code x[xOff .. xOff+n)}, for the global gradient norm. Blocks of
   * {@value #BLOCK} elements are summed in float with FMA into four vector accumulators s0..s3
   * (element k of a block goes to lane k mod VL of s[(k / VL) mod 4], except that the vectors after
   * the block's last whole group of four all go to s0), which are added as {@code (s0+s1) + (s2+s3)};
   * the lanes of that are added, in lane order, into a double total. The order depends only on n,
   * so the same values at any offset give the same bits.
   *
   * <p><b>Accuracy.</b> All terms are non-negative, so each float rounding errs by at most
   * u = 2⁻²⁴ relative to the partial sum it rounds; an element meets at most 1024/VL + 3 FMAs in its
   * lane and 2 adds in the fold, so the relative error is at most {@code (1024/VL + 5)·u} to first
   * order (7.9e-6 with 8-lane vectors, 4.1e-6 with 16), plus {@code VL·ceil(n/BLOCK)·2⁻⁵³} from the
   * double sum (2e-13 at n = 10⁶); it does not grow with n otherwise. On random data it is near
   * 1e-7. A block's float partial sums overflow to ∞ past {@link Float#MAX_VALUE} (a block of
   * elements near 3e17, or one near 2e19), squares below 2⁻¹⁴⁹ are lost, and NaN gives NaN.
   *
   * @throws IllegalArgumentException if n is negative or x is null or too short for xOff
   */
  public static double sumOfSquares(int n, float[] x, int xOff) {
    checkSquares(n, x, xOff);
    return squares(n, x, xOff);
  }

  /**
   * {@link #sumOfSquares(int, float[], int)} with its blocks shared among the workers of pool (the
   * caller alone for null or for fewer than {@link #BLOCKS_PER_WORKER} blocks per worker). Each block
   * is summed as there and the blocks' lanes are added in the same order, so the bits are the same.
   *
   * @throws IllegalArgumentException as {@link #sumOfSquares(int, float[], int)}
   */
  public static double sumOfSquares(WorkerPool pool, int n, float[] x, int xOff) {
    checkSquares(n, x, xOff);
    int workers = pool == null ? 1 : Math.min(pool.size(), n / BLOCK / BLOCKS_PER_WORKER);
    return workers <= 1 ? squares(n, x, xOff) : pool.squares.execute(pool, workers, n, x, xOff);
  }

  private static void checkSquares(int n, float[] x, int xOff) {
    String fn = "Reductions.sumOfSquares";
    Checks.size(fn, "n", n);
    Checks.span(fn, "x", x, xOff, n);
  }

  /** sumOfSquares on the calling thread (arguments checked). */
  private static double squares(int n, float[] x, int xOff) {
    float[] lanes = Blocks.scratch();
    double total = 0;
    for (int from = 0; from < n; from += BLOCK) {
      blockSquares(Math.min(BLOCK, n - from), x, xOff + from, lanes, 0);
      total = addLanes(total, lanes, 0, 1);
    }
    return total;
  }


  /** Whole blocks per worker before {@link #sumOfSquares(WorkerPool, int, float[], int)} splits. */
  static final int BLOCKS_PER_WORKER = 8;

  /** The VL lane sums of x[p, p + len) squared, len ≤ BLOCK, to lanes[at, at + VL). */
  static void blockSquares(int len, float[] x, int p, float[] lanes, int at) {
    FloatVector zero = FloatVector.zero(SPECIES);
    FloatVector s0 = zero, s1 = zero, s2 = zero, s3 = zero;
    int end = p + len;
    int i = p;
    for (; i <= end - 4 * VL; i += 4 * VL) {
      FloatVector x0 = FloatVector.fromArray(SPECIES, x, i);
      FloatVector x1 = FloatVector.fromArray(SPECIES, x, i + VL);
      FloatVector x2 = FloatVector.fromArray(SPECIES, x, i + 2 * VL);
      FloatVector x3 = FloatVector.fromArray(SPECIES, x, i + 3 * VL);
      s0 = x0.fma(x0, s0);
      s1 = x1.fma(x1, s1);
      s2 = x2.fma(x2, s2);
      s3 = x3.fma(x3, s3);
    }
    for (; i <= end - VL; i += VL) {
      FloatVector x0 = FloatVector.fromArray(SPECIES, x, i);
      s0 = x0.fma(x0, s0);
    }
    if (i < end) { // inactive lanes load 0 and add 0·0 = +0, which changes no sum of squares
      VectorMask<Float> mask = SPECIES.indexInRange(i, end);
      FloatVector x0 = FloatVector.fromArray(SPECIES, x, i, mask);
      s0 = x0.fma(x0, s0);
    }
    s0.add(s1).add(s2.add(s3)).intoArray(lanes, at);
  }

  /**
   * total plus the lanes of {@code blocks} blocks from lanes[at], one by one in order
   * (each exact in double).
   */
  static double addLanes(double total, float[] lanes, int at, int blocks) {
    for (int l = at, end = at + blocks * VL; l < end; l++) {
      total += lanes[l];
    }
    return total;
  }

  /**
   * For each row i of the m×n matrix a, {@code out[outOff + i]} = the column of its largest element;
   * the first such column on ties ({@code -0.0} and {@code 0.0} tie). NaN counts as larger than
   * everything, so the first NaN of a row wins, as in numpy's argmax. Scalar: rows are short (a
   * class per column).
   *
   * @throws IllegalArgumentException if m or n is negative, n is 0 while m > 0, lda < max(1, n),
   *     a or out is null, or an offset is negative or leaves the matrix or m elements of out past
   *     the array's end
   */
  public static void argmaxRows(int m, int n, float[] a, int aOff, int lda, int[] out, int outOff) {
    String fn = "Reductions.argmaxRows";
    Checks.size(fn, "m", m);
    Checks.size(fn, "n", n);
    if (n == 0 && m > 0) {
      throw new IllegalArgumentException(fn + ": n=0 but m=" + m + ": an empty row has no argmax");
    }
    Checks.matrix(fn, "a", a, aOff, lda, m, n);
    Checks.span(fn, "out", out, outOff, m);

    for (int i = 0, row = aOff; i < m; i++, row += lda) {
      int best = 0;
      float max = a[row];
      if (max == max) { // a NaN in column 0 wins at once
        for (int j = 1; j < n; j++) {
          float x = a[row + j];
          if (x > max) {
            max = x;
            best = j;
          } else if (x != x) { // the first NaN wins
            best = j;
            break;
          }
        }
      }
      out[outOff + i] = best;
    }
  }
}
