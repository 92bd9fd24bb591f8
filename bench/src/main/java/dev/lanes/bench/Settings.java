package dev.lanes.bench;

import java.util.Locale;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * How JMH measures each cell (one benchmark at one set of parameters): forks × (warm-up iterations
 * + measured iterations). {@code -Dlanes.bench.smoke=true} shrinks every run to 1 fork of 1 + 1
 * iterations of 100 ms (a peer's bursts with them): it proves the pipeline, it measures nothing.
 */
record Settings(int forks, int warmups, int warmupMs, int iterations, int iterationMs) {
  static final boolean SMOKE = Boolean.getBoolean("lanes.bench.smoke");

  /**
   * Seconds one fork costs on top of its iterations on this 2-core machine (JVM start, trial
   * set-up such as filling 8 Mi-float arrays, the GC profiler, tear-down): 0.85 s in a smoke run
   * of every suite (wall time less iteration and peer time, per fork), plus a margin for the
   * 13–18 iterations of a real fork and a last call that runs past the iteration's end.
   */
  static final double FORK_OVERHEAD_S = 1.5;

  /** These settings, or the smoke settings under {@code -Dlanes.bench.smoke=true}. */
  Settings effective() {
    return SMOKE ? new Settings(1, 1, 100, 1, 100) : this;
  }

  ChainedOptionsBuilder apply(ChainedOptionsBuilder opt) {
    Settings s = effective();
    return opt.forks(s.forks)
        .warmupIterations(s.warmups)
        .warmupTime(TimeValue.milliseconds(s.warmupMs))
        .measurementIterations(s.iterations)
        .measurementTime(TimeValue.milliseconds(s.iterationMs));
  }

  /**
   * The peers' pause after each burst, while OpenBLAS's threads go to sleep (IDLE_S in bench/peers/;
   * GemmBench pauses this long before and after its OpenBLAS loop).
   */
  static final double PEER_IDLE_S = 0.15;

  /**
   * Seconds a peer that follows every iteration with a burst as long as a measured iteration
   * ({@link PeerBursts}) adds to {@code cells} cells.
   */
  double burstSeconds(long cells) {
    Settings s = effective();
    return cells * s.forks * (s.warmups + s.iterations) * (s.iterationMs / 1e3 + PEER_IDLE_S);
  }

  /** Estimated wall time of {@code cells} cells. */
  double seconds(long cells) {
    Settings s = effective();
    return cells * s.forks * ((s.warmups * s.warmupMs + s.iterations * s.iterationMs) / 1e3 + FORK_OVERHEAD_S);
  }

  /** The line a report prints under a suite's title. */
  String describe() {
    Settings s = effective();
    return String.format(Locale.ROOT, "JMH, per cell: %s × %s of %.2f s measured after %s of %.2f s%s; medians "
            + "over the %s of all forks, spread min–max over the same", count(s.forks, "fork"),
        count(s.iterations, "iteration"), s.iterationMs / 1e3, count(s.warmups, "warm-up iteration"), s.warmupMs / 1e3,
        SMOKE ? " (smoke settings: these numbers mean nothing)" : "", count(s.forks * s.iterations, "measured iteration"));
  }

  private static String count(int n, String what) {
    return n + " " + what + (n == 1 ? "" : "s");
  }
}
