package dev.lanes.nn;

import dev.lanes.kernel.Activation;
import dev.lanes.kernel.Dense;
import dev.lanes.kernel.WorkerPool;

/**
 * A fully connected layer {@code Y = act(X·Wᵀ + b)}, W out×in at {@code params[weights]} (PyTorch's
 * layout), b at {@code params[bias]}. Forward and backward are the kernel's fused passes.
 */
final class DenseLayer implements Layer {
  final int in, out;
  final Activation act;
  final Init init;
  /** Offsets of W and b in the network's parameter (and gradient) array. */
  final int weights, bias;

  DenseLayer(int in, int out, Activation act, Init init, int weights) {
    this.in = in;
    this.out = out;
    this.act = act;
    this.init = init;
    this.weights = weights;
    this.bias = weights + out * in;
  }

  // x m×in at xOff → y m×out; pre m×out (kept when the backward needs the pre-activation, else null)
  void forward(WorkerPool pool, int m, float[] params, float[] x, int xOff, float[] pre, float[] y) {
    Dense.forward(pool, act, m, out, in, x, xOff, in, params, weights, in, params, bias, pre, 0, out, y, 0, out);
  }

  // dy m×out (overwritten with dZ) → grads[weights], grads[bias]; dx m×in (null for the first layer)
  void backward(WorkerPool pool, int m, float[] params, float[] grads, float[] x, int xOff, float[] saved,
                float[] dy, float[] dx) {
    Dense.backward(pool, act, m, out, in, x, xOff, in, params, weights, in, saved, 0, out, dy, 0, out,
        0f, grads, weights, in, grads, bias, dx, 0, in);
  }

  /** True when the backward needs X·Wᵀ + b kept, not just the output. */
  boolean keepsPreActivation() {
    return !act.backwardUsesOutput();
  }

  @Override
  public int inputs() {
    return in;
  }

  @Override
  public int outputs() {
    return out;
  }

  @Override
  public int parameterCount() {
    return out * in + out;
  }

  @Override
  public String describe() {
    return "dense(" + out + ", " + act + ")";
  }
}
