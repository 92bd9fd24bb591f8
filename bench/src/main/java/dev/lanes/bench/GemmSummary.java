package dev.lanes.bench;

import java.awt.Color;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.RunnerException;

/**
 * The GEMM suite: {@link GemmBench} (Lanes timed by JMH, each iteration followed in its fork by the
 * same product through OpenBLAS) as one table: GFLOP/s (median over iterations, with min–max), the
 * Lanes/OpenBLAS ratio iteration by iteration, the fraction of this machine's measured FMA peak and
 * bytes allocated per call (by every thread, and by the calling threads: {@link ThreadBytes}); and
 * a chart of GFLOP/s against m·n·k. Run alone, it measures the FMA peak in the same JMH run.
 * Writes the raw JMH JSON, the table and the chart under {@code bench/results/<timestamp>/}.
 *
 * <p>Usage: {@code GemmSummary [quick|full] [SHAPE_REGEX]}
 */
public final class GemmSummary implements Suite {
  static final GemmSummary SUITE = new GemmSummary();
  /** Report's quick subset: sizes from 10⁵ to 10⁹ multiply-adds, squares and each product of a layer. */
  private static final List<String> SUBSET = List.of("square-128", "square-512", "square-1024", "fwd-32-784-256",
      "fwd-128-784-256", "dW-128-784-256", "fwd-128-128-10", "dX-256-1024-1024");

  private GemmSummary() {}

  public static void main(String[] args) throws RunnerException, IOException {
    Run.start(args, "GemmSummary [quick|full] [SHAPE_REGEX]").alone(SUITE);
  }

  static Settings settings(boolean quick) {
    return quick ? new Settings(1, 3, 400, 5, 400) : new Settings(2, 5, 1000, 8, 1000);
  }

  @Override
  public String name() {
    return "gemm";
  }

  @Override
  public List<JmhRun> plan(Run run) {
    String[] shapes = JmhRun.matching(GemmBench.class, "shape", run.filter());
    if (run.subset()) {
      shapes = Arrays.stream(shapes).filter(SUBSET::contains).toArray(String[]::new);
    }
    if (shapes.length == 0) {
      throw new IllegalArgumentException("no GEMM shape matches '" + run.filter() + "'");
    }
    return List.of(new JmhRun("gemm", settings(run.quick()), Map.of("shape", shapes), run.limits().withPeak(GemmBench.class)));
  }

  @Override
  public double peerSeconds(Run run) {
    // OpenBLAS runs inside the JMH run, a burst as long as a measured iteration after each iteration
    long cells = plan(run).get(0).cells();
    return settings(run.quick()).burstSeconds(cells);
  }

  @Override
  public Section section(Run run, List<Collection<RunResult>> results) {
    Collection<RunResult> all = results.get(0);
    Limits limits = Limits.of(all).or(run.limits());
    Map<String, RunResult> cells = new LinkedHashMap<>(); // shape|threads
    for (RunResult r : all) {
      if (r.getParams().getBenchmark().endsWith("GemmBench.sgemm")) {
        cells.put(r.getParams().getParam("shape") + "|" + r.getParams().getParam("threads"), r);
      }
    }
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "FP32 FMA peak per core, measured in this run: %.1f GFLOP/s.%n%n",
        limits.peakPerCore()));
    sb.append("Bytes per call: `-prof gc` counts every thread of the JVM, JMH's own included, and divides by the "
        + "calls of an iteration, so a slow product shows JMH's few KB per iteration spread over its few calls; "
        + "\"calling threads\" counts only the caller and the pool's workers, from the start of each measured "
        + "iteration's first call to the end of its last: the median over iterations (min–max), as an iteration "
        + "in which the JIT swaps compiled code can show a one-off allocation, where one per call shows in "
        + "all.\n\n");
    sb.append("| product | m×n×k | thr | Lanes GFLOP/s (min–max) | OpenBLAS GFLOP/s (min–max) "
        + "| Lanes/OpenBLAS (min–max) | Lanes % of peak | Lanes B/call, -prof gc | Lanes B/call, calling threads |\n");
    sb.append("|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
    cells.forEach((key, lanes) -> {
      String[] k = key.split("\\|");
      GemmShape s = GemmShape.parse(k[0]);
      int threads = Integer.parseInt(k[1]);
      Stat gflops = gflops(lanes);
      List<Double> blasUs = openBlasMicros(lanes);
      String op = (s.transA() ? "Aᵀ" : "A") + "·" + (s.transB() ? "Bᵀ" : "B");
      sb.append(String.format(Locale.ROOT, "| %s (%s) | %d×%d×%d | %d | %s | %s | %s | %s | %.1f | %s |%n",
          k[0], op, s.m(), s.n(), s.k(), threads, gflops.format("%.1f"),
          blasUs.isEmpty() ? "–" : Stat.of(blasUs.stream().map(us -> s.flops() / (us * 1e3)).toList()).format("%.1f"),
          blasUs.isEmpty() ? "–" : Stat.of(PeerBursts.ratios(PeerBursts.iterations(lanes, us -> us), blasUs))
              .format("%.2f").replaceFirst("^\\S+", "$0×"),
          limits.percentOfPeak(gflops.median(), threads), Stat.allocPerOp(lanes),
          ThreadBytes.perCall(lanes)));
    });
    RunResult one = cells.get("square-1024|1"), two = cells.get("square-1024|2");
    if (one != null && two != null) {
      sb.append(String.format(Locale.ROOT, "%nLanes square-1024: 2 threads / 1 thread = %.2f×%n",
          gflops(two).median() / gflops(one).median()));
    }
    String settings = settings(run.quick()).describe() + ". OpenBLAS (0.3 from org.bytedeco, in-process, same data "
        + "and threads) runs in the same fork after each Lanes iteration, warm-up ones included, called in a loop "
        + "as long as a measured iteration; its median (min–max) over the loops after measured iterations; "
        + "Lanes/OpenBLAS: the median (min–max) of the speed ratios of each measured iteration and the loop right "
        + "after it." + (run.subset() ? " Quick report: " + SUBSET.size() + " of the "
        + JmhRun.matching(GemmBench.class, "shape", null).length + " shapes." : "");
    return new Section("gemm", "GEMM: Lanes and OpenBLAS", settings, sb.toString(), chart(cells, limits.peakPerCore()));
  }

  /** GFLOP/s of a cell, from µs per call. */
  private static Stat gflops(RunResult r) {
    double flops = GemmShape.parse(r.getParams().getParam("shape")).flops();
    return Stat.of(r.getPrimaryResult().getStatistics(), us -> flops / (us * 1e3));
  }

  /** OpenBLAS's µs per call after each measured iteration of every fork ({@link GemmBench.OpenBlasTwin}). */
  static List<Double> openBlasMicros(RunResult r) {
    return PeerBursts.perIteration(r, it -> {
      Result<?> nanos = it.getSecondaryResults().get("openblasNanos"), calls = it.getSecondaryResults().get("openblasCalls");
      return nanos == null || calls == null || calls.getScore() == 0 ? null : nanos.getScore() / calls.getScore() / 1e3;
    });
  }

  /**
   * GFLOP/s against m·n·k, a series per variant and thread count, and the FMA peak of 1 and (with
   * 2-thread cells) 2 cores as dashed lines across the sizes.
   */
  private static XYChart chart(Map<String, RunResult> cells, double peak) {
    Map<String, List<double[]>> series = new LinkedHashMap<>(); // variant|threads → (m·n·k, GFLOP/s)
    cells.forEach((key, r) -> {
      String[] k = key.split("\\|");
      GemmShape s = GemmShape.parse(k[0]);
      double size = (double) s.m() * s.n() * s.k();
      series.computeIfAbsent("lanes|" + k[1], x -> new ArrayList<>()).add(new double[] {size, gflops(r).median()});
      List<Double> blasUs = openBlasMicros(r);
      if (!blasUs.isEmpty()) {
        series.computeIfAbsent("openblas|" + k[1], x -> new ArrayList<>())
            .add(new double[] {size, s.flops() / (Stat.of(blasUs).median() * 1e3)});
      }
    });
    XYChart chart = Charts.xy("GEMM: GFLOP/s against size", "m·n·k (multiply-adds)", "GFLOP/s");
    int maxThreads = 1;
    for (Map.Entry<String, List<double[]>> e : series.entrySet()) {
      String[] k = e.getKey().split("\\|");
      boolean lanes = k[0].equals("lanes");
      int threads = Integer.parseInt(k[1]);
      XYSeries s = chart.addSeries((lanes ? "Lanes, " : "OpenBLAS, ") + threads + " thr",
          e.getValue().stream().mapToDouble(p -> p[0]).toArray(), e.getValue().stream().mapToDouble(p -> p[1]).toArray());
      s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
      s.setMarker(lanes ? SeriesMarkers.CIRCLE : SeriesMarkers.DIAMOND);
      s.setMarkerColor(Charts.colour(lanes, threads - 1));
      maxThreads = Math.max(maxThreads, threads);
    }
    double[] sizes = series.values().stream().flatMap(List::stream).mapToDouble(p -> p[0]).sorted().toArray();
    for (int t = 1; t <= maxThreads && !Double.isNaN(peak) && sizes.length > 0; t++) {
      XYSeries line = chart.addSeries(String.format(Locale.ROOT, "FMA peak, %d core%s: %.0f", t, t == 1 ? "" : "s",
          peak * t), new double[] {sizes[0], sizes[sizes.length - 1]}, new double[] {peak * t, peak * t});
      line.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
      line.setMarker(SeriesMarkers.NONE);
      line.setLineStyle(SeriesLines.DASH_DASH);
      line.setLineColor(t == 1 ? Color.GRAY : Color.BLACK);
    }
    return chart;
  }
}
