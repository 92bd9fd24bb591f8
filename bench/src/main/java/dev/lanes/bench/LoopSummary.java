package dev.lanes.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.RunnerException;

/**
 * The loops suite: {@link LoopBench} and {@link DenseBench} with the GC profiler, as two tables:
 * each loop's GB/s at L2 and memory sizes against the STREAM copy (measured in the same run, or in
 * the report's limits), with bytes allocated per call, and the dense layer's fused/unfused times
 * against the bare GEMM. Writes the raw JMH JSON and the tables under
 * {@code bench/results/<timestamp>/}.
 *
 * <p>Usage: {@code LoopSummary [quick|full] [BENCHMARK_REGEX]}, e.g. {@code quick DenseBench}
 */
public final class LoopSummary implements Suite {
  static final LoopSummary SUITE = new LoopSummary();
  /** Report's quick subset: the copy is in the limits; one loop of each kind; the smaller dense layer. */
  private static final List<String> OPS = List.of("relu", "relu-back", "gelu", "softmax-ce", "column-sums", "sgd", "adam");
  private static final String DENSE_SHAPE = "128x784x256";
  /** Many short iterations: the median rides out slow spells. */
  private static final Settings QUICK = new Settings(1, 5, 250, 8, 250), FULL = new Settings(1, 8, 1000, 10, 1000);

  private LoopSummary() {}

  public static void main(String[] args) throws RunnerException, IOException {
    Run.start(args, "LoopSummary [quick|full] [BENCHMARK_REGEX]").alone(SUITE);
  }

  @Override
  public String name() {
    return "loops";
  }

  @Override
  public List<JmhRun> plan(Run run) {
    Pattern which = Pattern.compile(run.filter() == null ? "." : run.filter());
    List<JmhRun> runs = new ArrayList<>();
    if (which.matcher(LoopBench.class.getName()).find()) {
      runs.add(new JmhRun("loops", run.quick() ? QUICK : FULL,
          run.subset() ? Map.of("op", OPS.toArray(new String[0])) : Map.of(), List.of(LoopBench.class)));
    }
    if (which.matcher(DenseBench.class.getName()).find()) {
      runs.add(new JmhRun("dense", run.quick() ? QUICK : FULL,
          run.subset() ? Map.of("shape", new String[] {DENSE_SHAPE}) : Map.of(), List.of(DenseBench.class)));
    }
    return runs;
  }

  @Override
  public double peerSeconds(Run run) {
    return 0;
  }

  @Override
  public Section section(Run run, List<Collection<RunResult>> results) {
    List<RunResult> all = new ArrayList<>();
    results.forEach(all::addAll);
    String settings = (run.quick() ? QUICK : FULL).describe() + ". Dense: µs per call of each variant = its mean over "
        + "the measured iterations." + (run.subset() ? " Quick report: the loops " + String.join(", ", OPS) + " (of "
        + JmhRun.matching(LoopBench.class, "op", null).length + "; the copy is the limits' run), the dense layer "
        + DENSE_SHAPE + " only." : "");
    return new Section("loops", "Loops and fused dense layers", settings,
        loops(all, Limits.of(all).or(run.limits())) + "\n" + dense(all), null);
  }

  static String loops(Collection<RunResult> results, Limits limits) {
    Map<String, RunResult> cells = new LinkedHashMap<>(); // op|size
    for (RunResult r : results) {
      if (r.getParams().getBenchmark().endsWith("LoopBench.run")) {
        cells.put(r.getParams().getParam("op") + "|" + r.getParams().getParam("size"), r);
      }
    }
    if (cells.isEmpty()) {
      return "";
    }
    double copyL2 = limits.copyL2() == null ? Double.NaN : limits.copyL2().median();
    double copyMem = limits.copyMemory() == null ? Double.NaN : limits.copyMemory().median();
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "Loops, one thread. %d Ki floats per array (L2) and %d Mi (memory); "
        + "GB/s = bytes read + written / time; %% of the STREAM copy (%.1f and %.1f GB/s).%n%n",
        LoopBench.elements("l2") >> 10, LoopBench.elements("memory") >> 20, copyL2, copyMem));
    sb.append("| loop | B/elem | L2 GB/s (min–max) | % of copy | memory GB/s (min–max) | % of copy | alloc B/op (L2) |\n");
    sb.append("|---|---:|---:|---:|---:|---:|---:|\n");
    cells.keySet().stream().map(key -> key.split("\\|")[0]).distinct().forEach(op -> {
      Stat l2 = gbs(cells.get(op + "|l2"), op, "l2");
      Stat mem = gbs(cells.get(op + "|memory"), op, "memory");
      RunResult any = cells.getOrDefault(op + "|l2", cells.get(op + "|memory")); // short ops: per-op figure
      sb.append(String.format(Locale.ROOT, "| %s | %d | %s | %.0f%% | %s | %.0f%% | %.2f |%n", op,
          LoopBench.bytesPerElement(op), l2.format("%.1f"), 100 * l2.median() / copyL2, mem.format("%.1f"),
          100 * mem.median() / copyMem, Stat.allocPerOp(any)));
    });
    return sb.toString();
  }

  private static Stat gbs(RunResult r, String op, String size) {
    if (r == null) {
      return new Stat(Double.NaN, Double.NaN, Double.NaN);
    }
    return Stat.of(r.getPrimaryResult().getStatistics(), us -> LoopBench.gigabytesPerSecond(op, size, us));
  }

  static String dense(List<RunResult> results) {
    Map<String, Map<String, Double>> rows = new LinkedHashMap<>(); // shape|act|threads → counter → mean
    Map<String, Double> alloc = new LinkedHashMap<>();
    for (RunResult r : results) {
      var p = r.getParams();
      if (!p.getBenchmark().contains("DenseBench.")) {
        continue;
      }
      String row = p.getParam("shape") + "|" + p.getParam("act") + "|" + p.getParam("threads");
      Map<String, Double> counters = rows.computeIfAbsent(row, key -> new LinkedHashMap<>());
      r.getSecondaryResults().forEach((name, res) -> counters.merge(name, res.getStatistics().getMean(), Double::sum));
      alloc.merge(row, Stat.allocPerOp(r) / (p.getBenchmark().endsWith("forward") ? 3 : 2), Math::max);
    }
    if (rows.isEmpty()) {
      return "";
    }
    StringBuilder sb = new StringBuilder();
    sb.append("Dense layer batch×in×out, µs per call. The variants ran interleaved in every invocation, each timed on "
        + "its own, so their ratios are paired in time. Forward: fused = Dense.forward, unfused = GEMM then the "
        + "activation pass; backward: one dZ+db pass vs separate derivative and column-sum passes, then dW and dX.\n\n");
    sb.append("| shape | act | thr | GEMM | fused | unfused | fused/GEMM | unfused/fused | back fused | back unfused "
        + "| unfused/fused | alloc B/call |\n");
    sb.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    rows.forEach((row, c) -> {
      String[] k = row.split("\\|");
      double fwd = c.getOrDefault("forwardCalls", Double.NaN), back = c.getOrDefault("backwardCalls", Double.NaN);
      double gemm = us(c, "gemmNs", fwd), fused = us(c, "fusedNs", fwd), unfused = us(c, "unfusedNs", fwd);
      double bf = us(c, "backFusedNs", back), bu = us(c, "backUnfusedNs", back);
      sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %.0f | %.0f | %.0f | %.3f | %.3f | %.0f | %.0f | %.3f | %.1f |%n",
          k[0], k[1], k[2], gemm, fused, unfused, fused / gemm, unfused / fused, bf, bu, bu / bf, alloc.get(row)));
    });
    return sb.toString();
  }

  private static double us(Map<String, Double> counters, String name, double calls) {
    return counters.getOrDefault(name, Double.NaN) / calls / 1e3;
  }
}
