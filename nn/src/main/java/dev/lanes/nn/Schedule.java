package dev.lanes.nn;

import dev.lanes.kernel.Updates;
import java.util.Locale;

/**
 * A learning-rate schedule: the factor the base learning rate is multiplied by at a step (counted
 * from 0 over the whole run) of a run of {@code totalSteps} steps. The built-in schedules print as
 * the text {@link #parse} reads ("cosine(0.0)", "warmup(500, step(3, 0.5))"), so checkpoints and
 * command lines can name them; a schedule of the caller's own must be given again on resume.
 */
@FunctionalInterface
public interface Schedule {
  float factor(long step, long totalSteps, long stepsPerEpoch);

  static Schedule constant() {
    return new Constant();
  }

  /** Multiplies by gamma after every {@code epochs} epochs (PyTorch's StepLR). */
  static Schedule step(int epochs, float gamma) {
    return new StepDecay(epochs, gamma);
  }

  /** Cosine from 1 down to {@code minFactor} over the run. */
  static Schedule cosine(float minFactor) {
    return new Cosine(minFactor);
  }

  /** Linear warm-up from 1/steps to 1 over the first {@code steps} steps, then {@code then}. */
  static Schedule warmup(long steps, Schedule then) {
    return new Warmup(steps, then);
  }

  /** The schedule a built-in schedule's {@code toString} describes: constant, step(E, G), cosine(M), warmup(S, ...). */
  static Schedule parse(String text) {
    if (text.length() > 200) { // the built-ins nest a few deep; a file's text could nest thousands
      throw new IllegalArgumentException("Schedule: text of " + text.length() + " characters is too long to be a schedule");
    }
    String s = text.trim().toLowerCase(Locale.ROOT);
    try {
      if (s.equals("constant")) {
        return constant();
      }
      int open = s.indexOf('(');
      if (open < 0 || !s.endsWith(")")) {
        throw new IllegalArgumentException("no arguments");
      }
      String name = s.substring(0, open).trim(), args = s.substring(open + 1, s.length() - 1);
      int comma = args.indexOf(',');
      return switch (name) {
        case "cosine" -> cosine(Float.parseFloat(args.trim()));
        case "step" -> step(Integer.parseInt(args.substring(0, comma).trim()), Float.parseFloat(args.substring(comma + 1).trim()));
        case "warmup" -> warmup(Long.parseLong(args.substring(0, comma).trim()), parse(args.substring(comma + 1)));
        default -> throw new IllegalArgumentException("unknown schedule '" + name + "'");
      };
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("Schedule: cannot read '" + text + "' (" + e.getMessage()
          + "); known: constant, step(EPOCHS, GAMMA), cosine(MIN_FACTOR), warmup(STEPS, SCHEDULE)", e);
    }
  }

  /** True for the schedules {@link #parse} can read back from their {@code toString}. */
  static boolean isBuiltIn(Schedule s) {
    return s instanceof Constant || s instanceof StepDecay || s instanceof Cosine
        || s instanceof Warmup w && isBuiltIn(w.then());
  }

  record Constant() implements Schedule {
    @Override
    public float factor(long step, long total, long perEpoch) {
      return 1f;
    }

    @Override
    public String toString() {
      return "constant";
    }
  }

  record StepDecay(int epochs, float gamma) implements Schedule {
    public StepDecay {
      if (epochs < 1 || !(gamma > 0)) {
        throw new IllegalArgumentException("Schedule.step: epochs must be >= 1 and gamma > 0, got " + epochs + ", " + gamma);
      }
    }

    @Override
    public float factor(long step, long total, long perEpoch) {
      // by repeated squaring: StrictMath.pow declares arrays per call (an allocation per step)
      return (float) Updates.power(gamma, (int) Math.min(Integer.MAX_VALUE, step / perEpoch / epochs));
    }

    @Override
    public String toString() {
      return "step(" + epochs + ", " + gamma + ")";
    }
  }

  record Cosine(float minFactor) implements Schedule {
    @Override
    public float factor(long step, long total, long perEpoch) {
      return (float) (minFactor + (1 - minFactor) * 0.5 * (1 + cosPi((double) step / Math.max(1, total))));
    }

    /**
     * cos(π·u) for u ≥ 0, in plain double arithmetic: reduced to an argument in [0, π/4] and summed
     * there by its Taylor series to x¹⁸ (truncation under 1e-20); within ulp(π·u) + 2.3e-16 of
     * StrictMath.cos(π·u) (tested on [0, 3]). Not StrictMath.cos itself: its code declares an array
     * per call, an allocation per step whenever C2 does not inline it.
     */
    static double cosPi(double u) {
      u -= 2 * Math.floor(u / 2); // [0, 2)
      if (u > 1) {
        u = 2 - u; // cos(π(2 − u)) = cos(πu)
      }
      double sign = 1;
      if (u > 0.5) {
        u = 1 - u; // cos(π(1 − u)) = −cos(πu); exact for u in [0.5, 1]
        sign = -1;
      }
      if (u > 0.25) { // cos(πu) = sin(π(1/2 − u)), argument in [0, π/4]
        double x = Math.PI * (0.5 - u), x2 = x * x, series = 1;
        for (int k = 9; k >= 1; k--) {
          series = 1 - x2 / ((2 * k) * (2 * k + 1)) * series;
        }
        return sign * x * series;
      }
      double x = Math.PI * u, x2 = x * x, series = 1;
      for (int k = 9; k >= 1; k--) {
        series = 1 - x2 / ((2 * k - 1) * (2 * k)) * series;
      }
      return sign * series;
    }

    @Override
    public String toString() {
      return "cosine(" + minFactor + ")";
    }
  }

  record Warmup(long steps, Schedule then) implements Schedule {
    public Warmup {
      if (steps < 1 || then == null) {
        throw new IllegalArgumentException("Schedule.warmup: steps must be >= 1 and a schedule follow, got " + steps);
      }
    }

    @Override
    public float factor(long step, long total, long perEpoch) {
      float after = then.factor(step, total, perEpoch);
      return step < steps ? (float) (step + 1) / steps * after : after;
    }

    @Override
    public String toString() {
      return "warmup(" + steps + ", " + then + ")";
    }
  }
}
