package dev.lanes.nn;

/**
 * A learning-rate schedule: the factor the base learning rate is multiplied by at a step (counted
 * from 0 over the whole run) of a run of {@code totalSteps} steps.
 */
@FunctionalInterface
public interface Schedule {
  float factor(long step, long totalSteps, long stepsPerEpoch);

  static Schedule constant() {
    return (step, total, perEpoch) -> 1f;
  }

  /** Multiplies by gamma after every {@code epochs} epochs (PyTorch's StepLR). */
  static Schedule step(int epochs, float gamma) {
    if (epochs < 1 || !(gamma > 0)) {
      throw new IllegalArgumentException("Schedule.step: epochs must be >= 1 and gamma > 0, got " + epochs + ", " + gamma);
    }
    return (step, total, perEpoch) -> (float) Math.pow(gamma, step / perEpoch / epochs);
  }

  /** Cosine from 1 down to {@code minFactor} over the run. */
  static Schedule cosine(float minFactor) {
    return (step, total, perEpoch) ->
        (float) (minFactor + (1 - minFactor) * 0.5 * (1 + Math.cos(Math.PI * step / Math.max(1, total))));
  }

  /** Linear warm-up from 1/steps to 1 over the first {@code steps} steps, then {@code then}. */
  static Schedule warmup(long steps, Schedule then) {
    return (step, total, perEpoch) ->
        step < steps ? (float) (step + 1) / steps * then.factor(step, total, perEpoch) : then.factor(step, total, perEpoch);
  }
}
