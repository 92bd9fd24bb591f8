package dev.lanes.nn;

/**
 * Training stopped because the loss or a gradient was NaN or infinite. The network's weights are
 * those of the last good step: the optimizer never saw the bad gradients.
 */
public final class TrainingException extends RuntimeException {
  private final long step;
  private final int layer;
  private final String tensor;

  TrainingException(long step, int layer, String tensor, String message) {
    super(message);
    this.step = step;
    this.layer = layer;
    this.tensor = tensor;
  }

  /** The step (from 0) at which it happened. */
  public long step() {
    return step;
  }

  /** The layer whose tensor went bad, or −1 for the loss. */
  public int layer() {
    return layer;
  }

  /** The tensor, e.g. "layers.2.weight.grad" or "loss". */
  public String tensor() {
    return tensor;
  }
}
