package dev.lanes.kernel;

/**
 * Plain double-precision twins of the activations and their derivatives (with respect to the
 * pre-activation z), written straight from the formulas, for the tests to measure the vector loops
 * against (and, through the kernel's test jar, the network's gradient checks).
 */
public final class ActivationTwin {
  private ActivationTwin() {}

  public static double forward(Activation act, double z) {
    return switch (act.toString()) {
      case "identity" -> z;
      case "relu" -> Math.max(z, 0);
      case "sigmoid" -> 1 / (1 + Math.exp(-z));
      case "tanh" -> Math.tanh(z);
      case "gelu" -> 0.5 * z * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (z + 0.044715 * z * z * z)));
      case "silu" -> z / (1 + Math.exp(-z));
      case "softplus" -> Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
      default -> z > 0 ? z : act.slope() * z; // leaky_relu(slope)
    };
  }

  public static double derivative(Activation act, double z) {
    double s = 1 / (1 + Math.exp(-z));
    return switch (act.toString()) {
      case "identity" -> 1;
      case "relu" -> z > 0 ? 1 : 0;
      case "sigmoid" -> s * (1 - s);
      case "tanh" -> 1 - Math.tanh(z) * Math.tanh(z);
      case "gelu" -> {
        double c = Math.sqrt(2 / Math.PI);
        double t = Math.tanh(c * (z + 0.044715 * z * z * z));
        yield 0.5 * (1 + t) + 0.5 * z * (1 - t * t) * c * (1 + 3 * 0.044715 * z * z);
      }
      case "silu" -> s * (1 + z * (1 - s));
      case "softplus" -> s;
      default -> z > 0 ? 1 : act.slope();
    };
  }

  static final Activation[] ALL = {Activation.IDENTITY, Activation.RELU, Activation.leakyRelu(0.01f),
      Activation.SIGMOID, Activation.TANH, Activation.GELU, Activation.SILU, Activation.SOFTPLUS};
}
