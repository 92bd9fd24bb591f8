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

  // out m×n; labels m or targets m×n; logSum m (softmax's saved row sums)
  float forward(int m, int n, float[] out, int[] labels, float[] targets, float[] logSum) {
    return switch (this) {
      case SOFTMAX_CROSS_ENTROPY -> Losses.softmaxCrossEntropy(m, n, out, 0, n, labels, 0, logSum, 0);
      case BINARY_CROSS_ENTROPY -> Losses.binaryCrossEntropyWithLogits(m, n, out, 0, n, targets, 0, n);
      case MEAN_SQUARED_ERROR -> Losses.meanSquaredError(m, n, out, 0, n, targets, 0, n);
    };
  }

  // → d m×n, the gradient of the mean loss over these m rows
  void backward(int m, int n, float[] out, int[] labels, float[] targets, float[] logSum, float[] d) {
    switch (this) {
      case SOFTMAX_CROSS_ENTROPY -> Losses.softmaxCrossEntropyBackward(m, n, out, 0, n, labels, 0, logSum, 0, m, d, 0, n);
      case BINARY_CROSS_ENTROPY -> Losses.binaryCrossEntropyWithLogitsBackward(m, n, out, 0, n, targets, 0, n, m * n, d, 0, n);
      case MEAN_SQUARED_ERROR -> Losses.meanSquaredErrorBackward(m, n, out, 0, n, targets, 0, n, m * n, d, 0, n);
    }
  }
}
