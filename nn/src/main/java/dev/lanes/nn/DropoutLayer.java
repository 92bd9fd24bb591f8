package dev.lanes.nn;

/**
 * Inverted dropout: in training each element is kept with probability 1 − rate and scaled by
 * 1/(1 − rate); at inference the layer is the identity. The mask of element (row, j) of a step is a
 * hash of (seed, step, layer, example index, j), not a stream, so it does not depend on the thread
 * count, the batch split or the order of evaluation, and a resumed run draws the same masks.
 */
final class DropoutLayer implements Layer {
  final int width;
  final float rate;
  final int index;

  DropoutLayer(int width, float rate, int index) {
    this.width = width;
    this.rate = rate;
    this.index = index;
  }

  // x m×width at xOff → y m×width, mask m×width (0 or 1/(1 − rate)); examples[i] is row i's example index
  void forward(int m, long seed, long step, int[] examples, float[] x, int xOff, float[] mask, float[] y) {
    float keep = 1f / (1f - rate);
    long threshold = (long) ((double) rate * (1L << 53));
    for (int i = 0; i < m; i++) {
      long rowKey = Hash.mix(seed, step, index, examples[i]);
      for (int j = 0; j < width; j++) {
        int at = i * width + j;
        mask[at] = (Hash.mix(rowKey, j) >>> 11) < threshold ? 0f : keep;
        y[at] = x[xOff + at] * mask[at];
      }
    }
  }

  // dy m×width → dx m×width
  void backward(int m, float[] mask, float[] dy, float[] dx) {
    for (int i = 0; i < m * width; i++) {
      dx[i] = dy[i] * mask[i];
    }
  }

  @Override
  public int inputs() {
    return width;
  }

  @Override
  public int outputs() {
    return width;
  }

  @Override
  public int parameterCount() {
    return 0;
  }

  @Override
  public String describe() {
    return "dropout(" + rate + ")";
  }
}
