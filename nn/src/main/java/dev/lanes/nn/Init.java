package dev.lanes.nn;

import java.util.SplittableRandom;

/**
 * Weight initialisers for a dense layer's out×in matrix (biases start at zero). He/Kaiming suits
 * ReLU-like activations, Glorot/Xavier tanh and sigmoid; uniform and normal forms as in PyTorch's
 * {@code kaiming_*_} (fan_in, gain √2) and {@code xavier_*_} (gain 1).
 */
public enum Init {
  HE_UNIFORM, HE_NORMAL, GLOROT_UNIFORM, GLOROT_NORMAL;

  /** Fills w[off .. off + out·in) from rng. */
  void fill(float[] w, int off, int out, int in, SplittableRandom rng) {
    double std = switch (this) {
      case HE_UNIFORM, HE_NORMAL -> Math.sqrt(2.0 / in);
      case GLOROT_UNIFORM, GLOROT_NORMAL -> Math.sqrt(2.0 / (in + out));
    };
    boolean uniform = this == HE_UNIFORM || this == GLOROT_UNIFORM;
    double bound = Math.sqrt(3) * std; // a uniform on [−b, b] has standard deviation b/√3
    for (int i = 0; i < out * in; i++) {
      w[off + i] = (float) (uniform ? rng.nextDouble(-bound, bound) : rng.nextGaussian() * std);
    }
  }
}
