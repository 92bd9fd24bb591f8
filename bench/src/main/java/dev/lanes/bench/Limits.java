package dev.lanes.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.RunnerException;

/**
 * This machine's limits, measured beside the benchmarks that are judged against them: one core's
 * FP32 FMA peak ({@link PeakBench}) and bandwidth as a STREAM copy ({@link LoopBench}'s {@code copy},
 * one thread) on arrays that fit L2 and on arrays far beyond the last-level cache. Each is null
 * when not measured.
 */
record Limits(Stat peak, Stat copyL2, Stat copyMemory) {
  static final Limits NONE = new Limits(null, null, null);
  /** For estimates made before the limits are measured: every limit present, none known. */
  static final Limits PENDING = new Limits(new Stat(Double.NaN, Double.NaN, Double.NaN),
      new Stat(Double.NaN, Double.NaN, Double.NaN), new Stat(Double.NaN, Double.NaN, Double.NaN));

  /** The limits' own JMH run: the FMA peak and the copy at both sizes, at GEMM's settings. */
  static JmhRun plan(Run run) {
    return new JmhRun("limits", GemmSummary.settings(run.quick()), Map.of("op", new String[] {"copy"}),
        List.of(PeakBench.class, LoopBench.class));
  }

  static Limits measure(Run run) throws RunnerException {
    return of(plan(run).run(run.dir()));
  }

  /** The limits among {@code results}; the others null. */
  static Limits of(Collection<RunResult> results) {
    Stat peak = null, l2 = null, memory = null;
    for (RunResult r : results) {
      String bench = r.getParams().getBenchmark();
      var stats = r.getPrimaryResult().getStatistics();
      if (bench.endsWith("PeakBench.fma")) {
        peak = Stat.of(stats, ns -> PeakBench.flopsPerOp() / ns);
      } else if (bench.endsWith("LoopBench.run") && r.getParams().getParam("op").equals("copy")) {
        String size = r.getParams().getParam("size");
        Stat copy = Stat.of(stats, us -> LoopBench.gigabytesPerSecond("copy", size, us));
        if (size.equals("l2")) {
          l2 = copy;
        } else {
          memory = copy;
        }
      }
    }
    return new Limits(peak, l2, memory);
  }

  /** Each limit from here, else from {@code earlier}. */
  Limits or(Limits earlier) {
    return new Limits(peak != null ? peak : earlier.peak, copyL2 != null ? copyL2 : earlier.copyL2,
        copyMemory != null ? copyMemory : earlier.copyMemory);
  }

  /** GFLOP/s of one core; NaN if not measured. */
  double peakPerCore() {
    return peak == null ? Double.NaN : peak.median();
  }

  /**
   * Classes to run ahead of a suite's benchmarks: {@link PeakBench} when the peak is not measured
   * yet (a suite run on its own), so that its fraction of peak comes from the same run.
   */
  List<Class<?>> withPeak(Class<?> bench) {
    List<Class<?>> classes = new ArrayList<>();
    if (peak == null) {
      classes.add(PeakBench.class);
    }
    classes.add(bench);
    return classes;
  }

  /** "42%" of {@code threads} cores' peak, or "–". */
  String percentOfPeak(double gflops, int threads) {
    return peak == null || Double.isNaN(peak.median()) ? "–"
        : String.format(Locale.ROOT, "%.0f%%", 100 * gflops / (peak.median() * threads));
  }

  Section section(Run run) {
    StringBuilder sb = new StringBuilder();
    sb.append("| limit | median (min–max) |\n|---|---:|\n");
    row(sb, "FP32 FMA peak, one core (Vector API, 12 independent FMA chains), GFLOP/s", peak);
    row(sb, String.format(Locale.ROOT, "STREAM copy, one thread, %d Ki floats per array (L2), GB/s read + written",
        LoopBench.elements("l2") >> 10), copyL2);
    row(sb, String.format(Locale.ROOT, "STREAM copy, one thread, %d Mi floats per array (memory), GB/s read + written",
        LoopBench.elements("memory") >> 20), copyMemory);
    return new Section("limits", "Machine limits", plan(run).settings().describe() + ".", sb.toString(), null);
  }

  private static void row(StringBuilder sb, String name, Stat s) {
    sb.append("| ").append(name).append(" | ").append(s == null ? "–" : s.format("%.1f")).append(" |\n");
  }
}
