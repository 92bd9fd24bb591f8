package dev.lanes.nn;

/**
 * Examples in memory: rows of features in one flat array, with a class label or a target row each.
 */
public final class Dataset {
  final float[] x;
  final int rows, features;
  final int[] labels; // classification, else null
  final float[] targets; // regression or binary targets (rows × outputs), else null
  final int outputs;

  private Dataset(float[] x, int rows, int features, int[] labels, float[] targets, int outputs) {
    if (rows < 0 || features < 1 || x == null || (long) rows * features > x.length) {
      throw new IllegalArgumentException("Dataset: " + rows + " rows of " + features + " features need "
          + (long) rows * features + " floats, have " + (x == null ? "none" : x.length));
    }
    this.x = x;
    this.rows = rows;
    this.features = features;
    this.labels = labels;
    this.targets = targets;
    this.outputs = outputs;
  }

  /** Rows with a class label each in [0, classes). */
  public static Dataset classification(float[] x, int rows, int features, int[] labels, int classes) {
    if (labels == null || labels.length < rows) {
      throw new IllegalArgumentException("Dataset: " + rows + " rows need " + rows + " labels, have "
          + (labels == null ? "none" : labels.length));
    }
    for (int i = 0; i < rows; i++) {
      if (labels[i] < 0 || labels[i] >= classes) {
        throw new IllegalArgumentException("Dataset: label of row " + i + " is " + labels[i] + ", outside [0, " + classes + ")");
      }
    }
    return new Dataset(x, rows, features, labels, null, classes);
  }

  /** Rows with a target row of {@code outputs} values each (MSE, or BCE with targets in [0, 1]). */
  public static Dataset regression(float[] x, int rows, int features, float[] targets, int outputs) {
    if (targets == null || outputs < 1 || (long) rows * outputs > targets.length) {
      throw new IllegalArgumentException("Dataset: " + rows + " rows of " + outputs + " targets need "
          + (long) rows * outputs + " floats, have " + (targets == null ? "none" : targets.length));
    }
    return new Dataset(x, rows, features, null, targets, outputs);
  }

  public int rows() {
    return rows;
  }

  public int features() {
    return features;
  }

  /** Classes (classification) or targets per row (regression). */
  public int outputs() {
    return outputs;
  }

  /** The features, row-major (rows × features); the live array, not a copy. */
  public float[] x() {
    return x;
  }

  /** The class labels, or null for a regression set; the live array. */
  public int[] labels() {
    return labels;
  }

  /** The targets (rows × outputs), or null for a classification set; the live array. */
  public float[] targets() {
    return targets;
  }

  /** The same labels or targets with other features (rows × features). */
  Dataset withFeatures(float[] x) {
    return new Dataset(x, rows, features, labels, targets, outputs);
  }

  /** A seeded split: the first part has {@code round(fraction·rows)} random rows, the second the rest. */
  public Dataset[] split(double fraction, long seed) {
    int[] order = permutation(rows, seed);
    int first = (int) Math.round(fraction * rows);
    return new Dataset[] {subset(order, 0, first), subset(order, first, rows)};
  }

  private Dataset subset(int[] order, int from, int to) {
    int n = to - from;
    float[] sx = new float[n * features];
    int[] sl = labels == null ? null : new int[n];
    float[] st = targets == null ? null : new float[n * outputs];
    for (int i = 0; i < n; i++) {
      int r = order[from + i];
      System.arraycopy(x, r * features, sx, i * features, features);
      if (sl != null) {
        sl[i] = labels[r];
      } else {
        System.arraycopy(targets, r * outputs, st, i * outputs, outputs);
      }
    }
    return new Dataset(sx, n, features, sl, st, outputs);
  }

  /** A seeded Fisher–Yates permutation of [0, n). */
  static int[] permutation(int n, long seed) {
    int[] p = new int[n];
    shuffle(p, n, seed);
    return p;
  }

  /** Fills p[0, n) with a seeded permutation, without allocating. */
  static void shuffle(int[] p, int n, long seed) {
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = (int) Long.remainderUnsigned(Hash.mix(seed, i), i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
  }
}
