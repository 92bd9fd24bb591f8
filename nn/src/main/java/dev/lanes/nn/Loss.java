package dev.lanes.nn;

import dev.lanes.kernel.Losses;

/**
 * The loss a network trains against, on its last layer's output (logits for the two
 * cross-entropies, which apply softmax or sigmoid themselves: keep the last layer's activation
 * identity). The mean is over the batch's rows (softmax) or elements (the others), as in PyTorch.
 */
public enum Loss {
  /** Class labels in [0, outputs); softmax over the outputs, then cross-entropy. */
  SOFTMAX_CROSS_ENTROPY,
  /** Targets in [0, 1], one per output; sigmoid, then binary cross-entropy. */
  BINARY_CROSS_ENTROPY,
  /** Real targets, one per output. */
  MEAN_SQUARED_ERROR;

  /** True if the loss takes class labels, false if it takes a target per output. */
  public boolean usesLabels() {
    return this == SOFTMAX_CROSS_ENTROPY;
  }

  // rows [from, from+m) of out (n wide), labels or targets, logSum (softmax's saved row sums)
  // → the mean loss over these rows
  float forward(int m, int from, int n, float[] out, int[] labels, float[] targets, float[] logSum) {
    int o = from * n;
    return switch (this) {
      case SOFTMAX_CROSS_ENTROPY -> Losses.softmaxCrossEntropy(m, n, out, o, n, labels, from, logSum, from);
      case BINARY_CROSS_ENTROPY -> Losses.binaryCrossEntropyWithLogits(m, n, out, o, n, targets, o, n);
      case MEAN_SQUARED_ERROR -> Losses.meanSquaredError(m, n, out, o, n, targets, o, n);
    };
  }

  // → rows [from, from+m) of d (n wide): the gradient of the mean loss over a batch of `batch` rows
  void backward(int m, int from, int batch, int n, float[] out, int[] labels, float[] targets, float[] logSum,
                float[] d) {
    int o = from * n;
    switch (this) {
      case SOFTMAX_CROSS_ENTROPY -> Losses.softmaxCrossEntropyBackward(m, n, out, o, n, labels, from, logSum, from,
          batch, d, o, n);
      case BINARY_CROSS_ENTROPY -> Losses.binaryCrossEntropyWithLogitsBackward(m, n, out, o, n, targets, o, n,
          batch * n, d, o, n);
      case MEAN_SQUARED_ERROR -> Losses.meanSquaredErrorBackward(m, n, out, o, n, targets, o, n, batch * n, d, o, n);
    }
  }
}
