package dev.lanes.nn;

import dev.lanes.kernel.Updates;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * An optimizer's hyperparameters and its state over a network's flat parameter array: one
 * {@link Updates} loop per step over every parameter. Weight decay is L2 in the gradient for SGD,
 * momentum and Adam, decoupled for AdamW, as in PyTorch.
 */
public final class Optimizer {
  private enum Kind { SGD, MOMENTUM, NESTEROV, ADAM, ADAMW }

  private final Kind kind;
  final float learningRate;
  private final float momentum, beta1, beta2, eps, weightDecay;
  private float[] m, v; // state, sized when bound to a network
  private int step;

  private Optimizer(Kind kind, float lr, float momentum, float beta1, float beta2, float eps, float weightDecay) {
    if (!(lr > 0 && lr < Float.POSITIVE_INFINITY)) {
      throw new IllegalArgumentException("Optimizer: learning rate must be finite and > 0, got " + lr);
    }
    if (!(weightDecay >= 0 && weightDecay < Float.POSITIVE_INFINITY)) {
      throw new IllegalArgumentException("Optimizer: weight decay must be finite and >= 0, got " + weightDecay);
    }
    this.kind = kind;
    this.learningRate = lr;
    this.momentum = momentum;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
    this.weightDecay = weightDecay;
  }

  public static Optimizer sgd(float lr) {
    return new Optimizer(Kind.SGD, lr, 0, 0, 0, 0, 0);
  }

  public static Optimizer momentum(float lr, float momentum, boolean nesterov) {
    return new Optimizer(nesterov ? Kind.NESTEROV : Kind.MOMENTUM, lr, momentum, 0, 0, 0, 0);
  }

  /** Adam with PyTorch's defaults: betas (0.9, 0.999), eps 1e-8. */
  public static Optimizer adam(float lr) {
    return new Optimizer(Kind.ADAM, lr, 0, 0.9f, 0.999f, 1e-8f, 0);
  }

  /** AdamW with PyTorch's defaults: betas (0.9, 0.999), eps 1e-8, weight decay 0.01. */
  public static Optimizer adamW(float lr) {
    return new Optimizer(Kind.ADAMW, lr, 0, 0.9f, 0.999f, 1e-8f, 0.01f);
  }

  /** The same optimizer with weight decay {@code wd} (fresh state). */
  public Optimizer withWeightDecay(float wd) {
    return new Optimizer(kind, learningRate, momentum, beta1, beta2, eps, wd);
  }

  /** The same optimizer with Adam's betas and eps (fresh state). */
  public Optimizer withBetas(float beta1, float beta2, float eps) {
    return new Optimizer(kind, learningRate, momentum, beta1, beta2, eps, weightDecay);
  }

  /** Sizes the state for n parameters (zeroed) and resets the step count. */
  void bind(int n) {
    m = kind == Kind.SGD ? null : new float[n];
    v = kind == Kind.ADAM || kind == Kind.ADAMW ? new float[n] : null;
    step = 0;
  }

  /** Starts the next step (Adam's bias corrections count steps from 1). */
  void advance() {
    step++;
  }

  /**
   * The current step's update of params[from, to) from grads at learning rate lr, the gradient
   * scaled by gradScale. Every element's bits depend only on its own values, so slices may run on
   * different threads.
   */
  void update(int from, int to, float[] params, float[] grads, float lr, float gradScale) {
    int n = to - from;
    switch (kind) {
      case SGD -> Updates.sgd(n, lr, weightDecay, gradScale, params, from, grads, from);
      case MOMENTUM, NESTEROV -> Updates.momentum(n, lr, momentum, kind == Kind.NESTEROV, weightDecay, gradScale,
          params, from, grads, from, m, from);
      case ADAM -> Updates.adam(n, lr, beta1, beta2, eps, step, weightDecay, gradScale, params, from, grads, from,
          m, from, v, from);
      case ADAMW -> Updates.adamW(n, lr, beta1, beta2, eps, step, weightDecay, gradScale, params, from, grads, from,
          m, from, v, from);
    }
  }

  /** The same hyperparameters with fresh state. */
  Optimizer copy() {
    return new Optimizer(kind, learningRate, momentum, beta1, beta2, eps, weightDecay);
  }

  /** The hyperparameters, for a checkpoint. */
  Map<String, Object> config() {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("kind", kind.name().toLowerCase(Locale.ROOT));
    c.put("lr", learningRate);
    c.put("momentum", momentum);
    c.put("beta1", beta1);
    c.put("beta2", beta2);
    c.put("eps", eps);
    c.put("weight_decay", weightDecay);
    return c;
  }

  /** The optimizer a checkpoint's {@link #config()} describes (fresh state). */
  static Optimizer fromConfig(Json.Obj c) throws IOException {
    Kind kind;
    try {
      kind = Kind.valueOf(c.string("kind").toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IOException("unknown optimizer '" + ModelFile.abbreviate(c.string("kind")) + "'");
    }
    try {
      return new Optimizer(kind, c.floatValue("lr"), c.floatValue("momentum"), c.floatValue("beta1"),
          c.floatValue("beta2"), c.floatValue("eps"), c.floatValue("weight_decay"));
    } catch (IllegalArgumentException e) {
      throw new IOException(e.getMessage());
    }
  }

  /** The state arrays (null where the kind has none) and the step count, for checkpoints. */
  float[] firstMoments() {
    return m;
  }

  float[] secondMoments() {
    return v;
  }

  int stepCount() {
    return step;
  }

  void restoreStepCount(int step) {
    this.step = step;
  }

  @Override
  public String toString() {
    return kind.name().toLowerCase(java.util.Locale.ROOT) + "(lr=" + learningRate
        + (weightDecay > 0 ? ", weight_decay=" + weightDecay : "") + ")";
  }
}
