package dev.lanes.nn;

/** Hears of a training run's steps and epochs; returning false from either stops the run. */
public interface TrainingListener {
  /** After each step (epoch from 0, step from 0 over the run); called with no allocation. */
  default boolean onStep(int epoch, long step, float loss) {
    return true;
  }

  /** After each epoch, with its metrics. */
  default boolean onEpoch(EpochResult result) {
    return true;
  }

  /** Stops when the validation loss has not improved for {@code patience} epochs in a row. */
  static TrainingListener earlyStopping(int patience) {
    if (patience < 1) {
      throw new IllegalArgumentException("earlyStopping: patience must be >= 1, got " + patience);
    }
    return new TrainingListener() {
      private float best = Float.POSITIVE_INFINITY;
      private int stale;

      @Override
      public boolean onEpoch(EpochResult r) {
        if (r.validationLoss() < best) {
          best = r.validationLoss();
          stale = 0;
        } else {
          stale++;
        }
        return stale < patience;
      }
    };
  }
}
