package dev.lanes.kernel;

import static dev.lanes.kernel.GemmBlocking.SPECIES;
import static dev.lanes.kernel.GemmBlocking.VL;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * Loss functions, each one forward loop (returning the mean loss) and one backward loop (writing the
 * gradient with respect to the network's output). Rows are examples. Lane sums are spilled and added
 * in lane order, rows are summed in double in row order, so the bits depend neither on the JIT tier
 * nor on how the batch is split (as {@link VectorMath} explains, no vector crosses a call).
 *
 * <p>Special values: softmax cross-entropy subtracts each row's max, so logits of any finite size
 * work (±3e38 included); a row holding NaN or +Inf, or only −Inf, gives a NaN loss and NaN gradient
 * (−Inf next to finite logits is fine: probability 0). Binary cross-entropy never overflows; NaN
 * anywhere gives NaN. Subnormal inputs are ordinary numbers here.
 */
public final class Losses {
  private Losses() {}

  // ---- softmax + cross-entropy ------------------------------------------------------------------

  /**
   * Mean over rows of {@code −log softmax(logits_i)[label_i]}. logits m×n; labels m, each in
   * [0, n); logSum m receives each row's {@code log Σ_j exp(x_j − max_i)} (its log-sum-exp less the
   * row max, which keeps full precision when logits are huge), for the backward.
   */
  public static float softmaxCrossEntropy(int m, int n, float[] logits, int off, int ld,
                                          int[] labels, int labelsOff, float[] logSum, int logSumOff) {
    String fn = "Losses.softmaxCrossEntropy";
    checkSoftmax(fn, m, n, logits, off, ld, labels, labelsOff);
    Checks.span(fn, "logSum", logSum, logSumOff, m);
    float[] scratch = Blocks.scratch();
    double total = 0;
    for (int i = 0; i < m; i++) {
      int row = off + i * ld;
      float max = rowMax(n, logits, row, scratch);
      FloatVector acc = FloatVector.zero(SPECIES);
      for (int j = 0; j < n; j += Blocks.CHUNK) {
        int cols = Math.min(Blocks.CHUNK, n - j);
        int len = Blocks.width(cols);
        Blocks.stage(1, cols, logits, row + j, ld, null, 0, Float.NEGATIVE_INFINITY, scratch, 0); // e^−Inf = 0
        VectorMath.exp(len, false, 1f, -max, false, scratch, 0, scratch, 0);
        for (int p = 0; p < len; p += VL) {
          acc = acc.add(FloatVector.fromArray(SPECIES, scratch, p));
        }
      }
      acc.intoArray(scratch, 0);
      float rowLogSum = (float) StrictMath.log(laneSum(scratch));
      logSum[logSumOff + i] = rowLogSum;
      total += ((double) max - logits[row + labels[labelsOff + i]]) + rowLogSum;
    }
    return m == 0 ? 0f : (float) (total / m);
  }

  /**
   * {@code d = (softmax(logits) − onehot(labels)) / batch}, with softmax = exp(x − max − logSum)
   * from the forward's logSum. d m×n may be logits itself; batch is the size the mean was over
   * (≥ m when the batch's rows are split).
   */
  public static void softmaxCrossEntropyBackward(int m, int n, float[] logits, int off, int ld,
                                                 int[] labels, int labelsOff, float[] logSum, int logSumOff,
                                                 int batch, float[] d, int dOff, int ldd) {
    String fn = "Losses.softmaxCrossEntropyBackward";
    checkSoftmax(fn, m, n, logits, off, ld, labels, labelsOff);
    Checks.span(fn, "logSum", logSum, logSumOff, m);
    Checks.matrix(fn, "d", d, dOff, ldd, m, n);
    checkCount(fn, "batch", batch, m);
    float[] scratch = Blocks.scratch();
    for (int i = 0; i < m; i++) {
      int row = off + i * ld;
      float shift = -(rowMax(n, logits, row, scratch) + logSum[logSumOff + i]);
      int label = labels[labelsOff + i];
      for (int j = 0; j < n; j += Blocks.CHUNK) {
        int cols = Math.min(Blocks.CHUNK, n - j);
        int len = Blocks.width(cols);
        Blocks.stage(1, cols, logits, row + j, ld, null, 0, 0f, scratch, 0);
        VectorMath.exp(len, false, 1f, shift, false, scratch, 0, scratch, 0);
        if (label >= j && label < j + cols) {
          scratch[label - j] -= 1f; // the same subtraction a vector lane would do
        }
        divide(len, batch, scratch);
        Blocks.unstage(1, cols, scratch, 0, d, dOff + i * ldd + j, ldd);
      }
    }
  }

  private static void checkSoftmax(String fn, int m, int n, float[] logits, int off, int ld,
                                   int[] labels, int labelsOff) {
    Checks.size(fn, "m", m);
    if (n < 1) {
      throw new IllegalArgumentException(fn + ": n (classes) must be >= 1, got " + n);
    }
    Checks.matrix(fn, "logits", logits, off, ld, m, n);
    Checks.span(fn, "labels", labels, labelsOff, m);
    for (int i = 0; i < m; i++) {
      int label = labels[labelsOff + i];
      if (label < 0 || label >= n) {
        throw new IllegalArgumentException(fn + ": label of row " + i + " is " + label
            + ", outside [0, " + n + ")");
      }
    }
  }

  /** Max of a row (NaN if it holds NaN); scratch receives the spilled lanes. */
  private static float rowMax(int n, float[] x, int xi, float[] scratch) {
    FloatVector acc = FloatVector.broadcast(SPECIES, Float.NEGATIVE_INFINITY);
    int full = SPECIES.loopBound(n);
    for (int j = 0; j < full; j += VL) {
      acc = acc.max(FloatVector.fromArray(SPECIES, x, xi + j));
    }
    if (full < n) {
      VectorMask<Float> t = SPECIES.indexInRange(full, n);
      acc = acc.max(FloatVector.fromArray(SPECIES, x, xi + full, t).blend(Float.NEGATIVE_INFINITY, t.not()));
    }
    acc.intoArray(scratch, 0);
    float max = scratch[0];
    for (int l = 1; l < VL; l++) {
      max = Math.max(max, scratch[l]);
    }
    return max;
  }

  /** s[0..len) /= by. */
  private static void divide(int len, float by, float[] s) {
    for (int p = 0; p < len; p += VL) {
      FloatVector.fromArray(SPECIES, s, p).div(by).intoArray(s, p);
    }
  }

  // ---- sigmoid + binary cross-entropy -----------------------------------------------------------

  /**
   * Mean over all m·n elements of {@code −t·log σ(x) − (1−t)·log(1 − σ(x))}, computed as
   * {@code max(x, 0) − x·t + log(1 + e^−|x|)}. logits, targets m×n (targets in [0, 1]).
   */
  public static float binaryCrossEntropyWithLogits(int m, int n, float[] logits, int off, int ld,
                                                   float[] targets, int tOff, int ldt) {
    String fn = "Losses.binaryCrossEntropyWithLogits";
    checkPair(fn, m, n, logits, off, ld, "targets", targets, tOff, ldt);
    float[] scratch = Blocks.scratch();
    int x = 0, t = Blocks.CHUNK, loss = 2 * Blocks.CHUNK;
    double total = 0;
    for (int i = 0; i < m; i++) {
      FloatVector acc = FloatVector.zero(SPECIES);
      for (int j = 0; j < n; j += Blocks.CHUNK) {
        int cols = Math.min(Blocks.CHUNK, n - j);
        int len = Blocks.width(cols);
        Blocks.stage(1, cols, logits, off + i * ld + j, ld, null, 0, 0f, scratch, x);
        Blocks.stage(1, cols, targets, tOff + i * ldt + j, ldt, null, 0, 0f, scratch, t);
        VectorMath.exp(len, true, -1f, 0f, false, scratch, x, scratch, loss);
        VectorMath.log1p(len, scratch, loss, scratch, loss);
        int full = SPECIES.loopBound(cols);
        for (int p = 0; p < len; p += VL) {
          FloatVector xv = FloatVector.fromArray(SPECIES, scratch, x + p);
          FloatVector l = FloatVector.fromArray(SPECIES, scratch, loss + p).add(xv.max(0f))
              .sub(xv.mul(FloatVector.fromArray(SPECIES, scratch, t + p)));
          acc = p < full ? acc.add(l) : acc.add(l, SPECIES.indexInRange(p, cols)); // padding adds nothing
        }
      }
      acc.intoArray(scratch, 0);
      total += laneSum(scratch);
    }
    return mean(total, m, n);
  }

  /** {@code d = (σ(logits) − targets) / count}; count is what the mean was over (m·n unsplit). */
  public static void binaryCrossEntropyWithLogitsBackward(int m, int n, float[] logits, int off, int ld,
                                                          float[] targets, int tOff, int ldt, int count,
                                                          float[] d, int dOff, int ldd) {
    String fn = "Losses.binaryCrossEntropyWithLogitsBackward";
    checkPair(fn, m, n, logits, off, ld, "targets", targets, tOff, ldt);
    Checks.matrix(fn, "d", d, dOff, ldd, m, n);
    checkCount(fn, "count", count, (long) m * n);
    float[] scratch = Blocks.scratch();
    float fc = count;
    int e = 0, t = Blocks.CHUNK;
    FloatVector one = FloatVector.broadcast(SPECIES, 1f);
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j += Blocks.CHUNK) {
        int cols = Math.min(Blocks.CHUNK, n - j);
        int len = Blocks.width(cols);
        Blocks.stage(1, cols, logits, off + i * ld + j, ld, null, 0, 0f, scratch, e);
        Blocks.stage(1, cols, targets, tOff + i * ldt + j, ldt, null, 0, 0f, scratch, t);
        VectorMath.exp(len, false, -1f, 0f, false, scratch, e, scratch, e);
        for (int p = 0; p < len; p += VL) {
          one.div(FloatVector.fromArray(SPECIES, scratch, e + p).add(1f))
              .sub(FloatVector.fromArray(SPECIES, scratch, t + p)).div(fc).intoArray(scratch, e + p);
        }
        Blocks.unstage(1, cols, scratch, e, d, dOff + i * ldd + j, ldd);
      }
    }
  }

  // ---- mean squared error -----------------------------------------------------------------------

  /** Mean over all m·n elements of {@code (y − target)²}. y, targets m×n. */
  public static float meanSquaredError(int m, int n, float[] y, int yOff, int ldy,
                                       float[] targets, int tOff, int ldt) {
    String fn = "Losses.meanSquaredError";
    checkPair(fn, m, n, y, yOff, ldy, "targets", targets, tOff, ldt);
    float[] scratch = Blocks.scratch();
    if (ldy == n && ldt == n && (long) m * n <= Integer.MAX_VALUE) { // one long row: one masked tail
      n = m * n; // m·n unchanged, so is the mean
      m = Math.min(m, 1);
    }
    double total = 0;
    for (int i = 0; i < m; i++) {
      FloatVector acc = FloatVector.zero(SPECIES);
      for (int j = 0; j < n; j += VL) {
        VectorMask<Float> t = SPECIES.indexInRange(j, n); // masked lanes load 0 and add 0
        FloatVector e = FloatVector.fromArray(SPECIES, y, yOff + i * ldy + j, t)
            .sub(FloatVector.fromArray(SPECIES, targets, tOff + i * ldt + j, t));
        acc = e.fma(e, acc);
      }
      acc.intoArray(scratch, 0);
      total += laneSum(scratch);
    }
    return mean(total, m, n);
  }

  /** {@code d = 2·(y − targets) / count}; count is what the mean was over (m·n unsplit). */
  public static void meanSquaredErrorBackward(int m, int n, float[] y, int yOff, int ldy,
                                              float[] targets, int tOff, int ldt, int count,
                                              float[] d, int dOff, int ldd) {
    String fn = "Losses.meanSquaredErrorBackward";
    checkPair(fn, m, n, y, yOff, ldy, "targets", targets, tOff, ldt);
    Checks.matrix(fn, "d", d, dOff, ldd, m, n);
    checkCount(fn, "count", count, (long) m * n);
    float scale = 2f / count;
    if (ldy == n && ldt == n && ldd == n && (long) m * n <= Integer.MAX_VALUE) { // elementwise: one long row
      n = m * n;
      m = Math.min(m, 1);
    }
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j += VL) {
        VectorMask<Float> t = SPECIES.indexInRange(j, n);
        FloatVector e = FloatVector.fromArray(SPECIES, y, yOff + i * ldy + j, t)
            .sub(FloatVector.fromArray(SPECIES, targets, tOff + i * ldt + j, t));
        e.mul(scale).intoArray(d, dOff + i * ldd + j, t);
      }
    }
  }

  // ---- shared -----------------------------------------------------------------------------------

  private static void checkPair(String fn, int m, int n, float[] x, int xOff, int ldx,
                                String other, float[] t, int tOff, int ldt) {
    Checks.size(fn, "m", m);
    Checks.size(fn, "n", n);
    Checks.matrix(fn, "logits/y", x, xOff, ldx, m, n);
    Checks.matrix(fn, other, t, tOff, ldt, m, n);
  }

  private static void checkCount(String fn, String name, int count, long atLeast) {
    if (count < Math.max(1, atLeast)) {
      throw new IllegalArgumentException(fn + ": " + name + " must be >= max(1, " + atLeast + "), got " + count);
    }
  }

  /** The VL spilled lanes at s[0] summed in lane order, in double. */
  private static double laneSum(float[] s) {
    double sum = 0;
    for (int l = 0; l < VL; l++) {
      sum += s[l];
    }
    return sum;
  }

  private static float mean(double total, int m, int n) {
    long count = (long) m * n;
    return count == 0 ? 0f : (float) (total / count);
  }
}
