package dev.lanes.kernel;

import static dev.lanes.kernel.GemmBlocking.SPECIES;
import static dev.lanes.kernel.GemmBlocking.VL;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * Loss functions, each one forward loop (returning the mean loss) and one backward loop (writing the
 * gradient with respect to the network's output). Rows are examples; losses are summed in double in
 * row order and lanes are folded in a fixed order, so the bits do not depend on the JIT tier.
 *
 * <p>Special values: softmax cross-entropy subtracts each row's max, so logits of any finite size
 * work (1e30 included); a row holding NaN or +Inf, or only −Inf, gives a NaN loss and NaN gradient
 * (−Inf next to finite logits is fine: probability 0). Binary cross-entropy never overflows; NaN
 * anywhere gives NaN.
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
    Checks.vector(fn, "logSum", logSum, logSumOff, m);
    double total = 0;
    for (int i = 0; i < m; i++) {
      int row = off + i * ld;
      float max = rowMax(n, logits, row);
      float rowLogSum = (float) StrictMath.log(rowSumExp(n, logits, row, max));
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
    Checks.vector(fn, "logSum", logSum, logSumOff, m);
    Checks.matrix(fn, "d", d, dOff, ldd, m, n);
    checkCount(fn, "batch", batch, m);
    float fb = batch;
    for (int i = 0; i < m; i++) {
      int row = off + i * ld;
      int out = dOff + i * ldd;
      int label = labels[labelsOff + i];
      float max = rowMax(n, logits, row);
      float rowLogSum = logSum[logSumOff + i];
      for (int j = 0; j < n; j += VL) {
        VectorMask<Float> t = SPECIES.indexInRange(j, n);
        VectorMask<Float> hit = SPECIES.indexInRange(j - label, 1); // the lane of column label
        FloatVector x = FloatVector.fromArray(SPECIES, logits, row + j, t);
        FloatVector p = VectorMath.exp(x.sub(max).sub(rowLogSum));
        p.sub(1f, hit).div(fb).intoArray(d, out + j, t);
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
    Checks.vector(fn, "labels", labels, labelsOff, m);
    for (int i = 0; i < m; i++) {
      int label = labels[labelsOff + i];
      if (label < 0 || label >= n) {
        throw new IllegalArgumentException(fn + ": label of row " + i + " is " + label
            + ", outside [0, " + n + ")");
      }
    }
  }

  /** Max of a row; NaN if it holds NaN. */
  private static float rowMax(int n, float[] x, int xi) {
    FloatVector acc = FloatVector.broadcast(SPECIES, Float.NEGATIVE_INFINITY);
    for (int j = 0; j < n; j += VL) {
      VectorMask<Float> t = SPECIES.indexInRange(j, n);
      acc = acc.lanewise(jdk.incubator.vector.VectorOperators.MAX, FloatVector.fromArray(SPECIES, x, xi + j, t), t);
    }
    float max = Float.NEGATIVE_INFINITY;
    for (int l = 0; l < VL; l++) {
      max = Math.max(max, acc.lane(l));
    }
    return max;
  }

  private static float rowSumExp(int n, float[] x, int xi, float max) {
    FloatVector acc = FloatVector.zero(SPECIES);
    for (int j = 0; j < n; j += VL) {
      VectorMask<Float> t = SPECIES.indexInRange(j, n);
      acc = acc.add(VectorMath.exp(FloatVector.fromArray(SPECIES, x, xi + j, t).sub(max)), t);
    }
    return (float) foldSum(acc);
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
    double total = 0;
    for (int i = 0; i < m; i++) {
      FloatVector acc = FloatVector.zero(SPECIES);
      for (int j = 0; j < n; j += VL) {
        VectorMask<Float> t = SPECIES.indexInRange(j, n);
        FloatVector x = FloatVector.fromArray(SPECIES, logits, off + i * ld + j, t);
        FloatVector y = FloatVector.fromArray(SPECIES, targets, tOff + i * ldt + j, t);
        FloatVector loss = VectorMath.log1pUnit(VectorMath.exp(x.abs().neg())).add(x.max(0f)).sub(x.mul(y));
        acc = acc.add(loss, t);
      }
      total += foldSum(acc);
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
    float fc = count;
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j += VL) {
        VectorMask<Float> t = SPECIES.indexInRange(j, n);
        FloatVector x = FloatVector.fromArray(SPECIES, logits, off + i * ld + j, t);
        FloatVector y = FloatVector.fromArray(SPECIES, targets, tOff + i * ldt + j, t);
        VectorMath.sigmoid(x).sub(y).div(fc).intoArray(d, dOff + i * ldd + j, t);
      }
    }
  }

  // ---- mean squared error -----------------------------------------------------------------------

  /** Mean over all m·n elements of {@code (y − target)²}. y, targets m×n. */
  public static float meanSquaredError(int m, int n, float[] y, int yOff, int ldy,
                                       float[] targets, int tOff, int ldt) {
    String fn = "Losses.meanSquaredError";
    checkPair(fn, m, n, y, yOff, ldy, "targets", targets, tOff, ldt);
    double total = 0;
    for (int i = 0; i < m; i++) {
      FloatVector acc = FloatVector.zero(SPECIES);
      for (int j = 0; j < n; j += VL) {
        VectorMask<Float> t = SPECIES.indexInRange(j, n);
        FloatVector e = FloatVector.fromArray(SPECIES, y, yOff + i * ldy + j, t)
            .sub(FloatVector.fromArray(SPECIES, targets, tOff + i * ldt + j, t));
        acc = e.fma(e, acc);
      }
      total += foldSum(acc);
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

  /** The lanes of v summed in lane order, in double. */
  private static double foldSum(FloatVector v) {
    double s = 0;
    for (int l = 0; l < VL; l++) {
      s += v.lane(l);
    }
    return s;
  }

  private static float mean(double total, int m, int n) {
    long count = (long) m * n;
    return count == 0 ? 0f : (float) (total / count);
  }
}
