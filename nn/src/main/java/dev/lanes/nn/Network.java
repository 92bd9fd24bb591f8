package dev.lanes.nn;

import dev.lanes.kernel.Activation;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A feed-forward network: dense and dropout layers and a loss. All parameters live in one
 * {@code float[]} ({@link #parameters()}), layer after layer, each dense layer's out×in weights then
 * its bias; gradients and optimizer state use the same layout, so an optimizer step is one loop.
 *
 * <pre>{@code
 * Network net = Network.builder(784)
 *     .dense(256, Activation.RELU)
 *     .dense(128, Activation.RELU)
 *     .dense(10)                              // logits
 *     .loss(Loss.SOFTMAX_CROSS_ENTROPY)
 *     .build(42);                             // seeded initialisation
 * }</pre>
 */
public final class Network {
  final int inputs;
  final List<Layer> layers;
  final Loss loss;
  final float[] params;

  private Network(int inputs, List<Layer> layers, Loss loss, float[] params) {
    this.inputs = inputs;
    this.layers = Collections.unmodifiableList(layers);
    this.loss = loss;
    this.params = params;
  }

  /** The parameter count of these layers. */
  private static int parameterCount(List<Layer> layers) {
    int count = 0;
    for (Layer l : layers) {
      count += l.parameterCount();
    }
    return count;
  }

  /** Starts a network whose input rows have {@code inputs} features. */
  public static Builder builder(int inputs) {
    return new Builder(inputs);
  }

  public int inputs() {
    return inputs;
  }

  public int outputs() {
    return layers.get(layers.size() - 1).outputs();
  }

  public Loss loss() {
    return loss;
  }

  /** The live parameter array (weights and biases of every layer, in layer order). */
  public float[] parameters() {
    return params;
  }

  /** A network with the same layers and a copy of the parameters. */
  public Network copy() {
    return new Network(inputs, layers, loss, params.clone());
  }

  /** The number of parameters (weights and biases). */
  public int parameterCount() {
    return params.length;
  }

  /** One line per layer, e.g. "784 → dense(256, relu) → dense(10, identity) | softmax_cross_entropy". */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder().append(inputs);
    for (Layer l : layers) {
      sb.append(" → ").append(l.describe());
    }
    return sb.append(" | ").append(loss.name().toLowerCase(java.util.Locale.ROOT)).toString();
  }

  /** Collects layers and checks the whole architecture when it is built. */
  public static final class Builder {
    private final int inputs;
    private final List<Spec> specs = new ArrayList<>();

    /** A layer as asked for, checked when the network is built. */
    private sealed interface Spec permits DenseSpec, DropoutSpec {}

    private record DenseSpec(int width, Activation act, Init init) implements Spec {}

    private record DropoutSpec(float rate) implements Spec {}
    private Loss loss;

    private Builder(int inputs) {
      if (inputs < 1) {
        throw new IllegalArgumentException("Network: inputs must be >= 1, got " + inputs);
      }
      this.inputs = inputs;
    }

    /** A dense layer with no activation (the logits of a classifier, or a regression output). */
    public Builder dense(int width) {
      return dense(width, Activation.IDENTITY);
    }

    /** A dense layer with He-uniform initial weights for ReLU-likes, Glorot-uniform otherwise. */
    public Builder dense(int width, Activation act) {
      boolean reluLike = act != null && (act.equals(Activation.RELU) || act.slope() > 0
          || act.equals(Activation.GELU) || act.equals(Activation.SILU));
      return dense(width, act, reluLike ? Init.HE_UNIFORM : Init.GLOROT_UNIFORM);
    }

    public Builder dense(int width, Activation act, Init init) {
      specs.add(new DenseSpec(width, act, init));
      return this;
    }

    /** Inverted dropout of the previous layer's output with the given rate in [0, 1). */
    public Builder dropout(float rate) {
      specs.add(new DropoutSpec(rate));
      return this;
    }

    public Builder loss(Loss loss) {
      this.loss = loss;
      return this;
    }

    /**
     * Checks the architecture and initialises the weights from {@code seed}.
     *
     * @throws IllegalArgumentException naming the layer and the sizes that do not fit
     */
    public Network build(long seed) {
      List<Layer> layers = layers();
      float[] params = new float[Network.parameterCount(layers)];
      SplittableRandom rng = new SplittableRandom(seed);
      for (Layer l : layers) {
        if (l instanceof DenseLayer d) {
          d.init.fill(params, d.weights, d.out, d.in, rng.split()); // biases stay 0
        }
      }
      return new Network(inputs, layers, loss, params);
    }

    /** The checked layers (for readers that check a file against them before allocating). */
    List<Layer> checkedLayers() {
      return layers();
    }

    /** The parameter count of the architecture (checked). */
    long countParameters() {
      return Network.parameterCount(layers());
    }

    /** The checked layers, each with its offset in the parameter array. */
    private List<Layer> layers() {
      if (specs.isEmpty()) {
        throw new IllegalArgumentException("Network: no layers; add at least one dense layer");
      }
      if (loss == null) {
        throw new IllegalArgumentException("Network: no loss; call loss(...) before build");
      }
      List<Layer> layers = new ArrayList<>();
      int width = inputs;
      int offset = 0;
      for (int i = 0; i < specs.size(); i++) {
        Spec spec = specs.get(i);
        if (spec instanceof DenseSpec s) {
          if (s.width() < 1) {
            throw new IllegalArgumentException("Network: layer " + i + " (dense) has width " + s.width() + "; must be >= 1");
          }
          if (s.act() == null || s.init() == null) {
            throw new IllegalArgumentException("Network: layer " + i + " (dense) has no activation or initialiser");
          }
          if ((long) s.width() * width + s.width() + offset > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("Network: layer " + i + " (dense " + width + "→" + s.width()
                + ") takes the parameter count past 2^31");
          }
          DenseLayer d = new DenseLayer(width, s.width(), s.act(), s.init(), offset);
          offset += d.parameterCount();
          layers.add(d);
          width = s.width();
        } else {
          float rate = ((DropoutSpec) spec).rate();
          if (!(rate >= 0f && rate < 1f)) {
            throw new IllegalArgumentException("Network: layer " + i + " (dropout) has rate " + rate + "; must be in [0, 1)");
          }
          if (i == specs.size() - 1) {
            throw new IllegalArgumentException("Network: layer " + i + " (dropout) is last; the output must be a dense layer");
          }
          layers.add(new DropoutLayer(width, rate, i));
        }
      }
      DenseLayer last = (DenseLayer) layers.get(layers.size() - 1);
      if (loss != Loss.MEAN_SQUARED_ERROR && !last.act.equals(Activation.IDENTITY)) {
        throw new IllegalArgumentException("Network: the last layer (" + last.describe() + ") feeds " + loss
            + ", which applies its own softmax/sigmoid to logits; give the last layer no activation");
      }
      if (loss == Loss.SOFTMAX_CROSS_ENTROPY && last.out < 2) {
        throw new IllegalArgumentException("Network: softmax cross-entropy needs >= 2 outputs, the last layer has "
            + last.out + "; use BINARY_CROSS_ENTROPY for one");
      }
      return layers;
    }

    /** Checks the architecture and takes {@code params} (not copied) as its parameters, e.g. from a file. */
    Network build(float[] params) {
      List<Layer> layers = layers();
      if (params.length != Network.parameterCount(layers)) {
        throw new IllegalArgumentException("Network: " + params.length + " parameters given, the architecture has "
            + Network.parameterCount(layers));
      }
      return new Network(inputs, layers, loss, params);
    }
  }
}
