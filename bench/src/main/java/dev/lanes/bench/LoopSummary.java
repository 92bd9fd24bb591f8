package dev.lanes.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs {@link LoopBench} and {@link DenseBench} with the GC profiler and prints two
 * tables: each loop's GB/s at L2 and memory sizes against the STREAM copy measured in the same run
 * (with bytes allocated per call), and the dense layer's fused/unfused times against the bare GEMM.
 * Writes the raw JMH JSON and the tables under {@code bench/results/<timestamp>/}.
 *
 * <p>Usage: {@code LoopSummary [quick|full] [BENCHMARK_REGEX]}, e.g. {@code quick DenseBench}
 */
public final class LoopSummary {
  private LoopSummary() {}

  public static void main(String[] args) throws RunnerException, IOException {
    Run setup = Run.start(args, "LoopSummary [quick|full] [BENCHMARK_REGEX]");
    boolean quick = setup.quick();
    Path dir = setup.dir();
    Pattern which = Pattern.compile(args.length > 1 ? args[1] : ".");
    List<RunResult> loopResults = new ArrayList<>();
    List<RunResult> denseResults = new ArrayList<>();
    if (which.matcher(LoopBench.class.getName()).find()) {
      loopResults.addAll(run(quick, LoopBench.class.getName(), dir.resolve("loops.json")));
    }
    if (which.matcher(DenseBench.class.getName()).find()) {
      denseResults.addAll(run(quick, DenseBench.class.getName(), dir.resolve("dense.json")));
    }
    String tables = Machine.describe() + "\n\n" + loops(loopResults) + "\n" + dense(denseResults);
    Files.writeString(dir.resolve("loops.md"), tables, StandardCharsets.UTF_8);
    System.out.println();
    System.out.println(tables);
    System.out.println("raw JMH JSON and these tables: " + dir);
  }

  private static Collection<RunResult> run(boolean quick, String include, Path json) throws RunnerException {
    OptionsBuilder opt = new OptionsBuilder();
    opt.include(include)
        .addProfiler(GCProfiler.class)
        .forks(1)
        .warmupIterations(quick ? 5 : 8)
        .warmupTime(TimeValue.milliseconds(quick ? 250 : 1000))
        .measurementIterations(quick ? 8 : 10) // many short ones: the median rides out slow spells
        .measurementTime(TimeValue.milliseconds(quick ? 250 : 1000))
        .resultFormat(ResultFormatType.JSON)
        .result(json.toString());
    return new Runner(opt.build()).run();
  }

  /**
   * Median µs/op and allocated bytes/op of one result: the median over iterations, since the first
   * iterations can still see JIT warm-up (code not yet compiled allocates its vectors).
   */
  private record Cell(double micros, double bytesPerOp) {
    static Cell of(RunResult r) {
      Result<?> alloc = r.getSecondaryResults().get("gc.alloc.rate.norm");
      return new Cell(r.getPrimaryResult().getStatistics().getPercentile(50),
          alloc == null ? Double.NaN : alloc.getStatistics().getPercentile(50));
    }
  }

  static String loops(Collection<RunResult> results) {
    Map<String, Cell> cells = new LinkedHashMap<>(); // op|size
    for (RunResult r : results) {
      if (r.getParams().getBenchmark().endsWith("LoopBench.run")) {
        cells.put(r.getParams().getParam("op") + "|" + r.getParams().getParam("size"), Cell.of(r));
      }
    }
    if (cells.isEmpty()) {
      return "";
    }
    double copyL2 = gbs(cells.get("copy|l2"), "copy", "l2");
    double copyMem = gbs(cells.get("copy|memory"), "copy", "memory");
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "Loops, one thread. %d Ki floats per array (L2) and %d Mi (memory); "
        + "GB/s = bytes read + written / time.%n%n", LoopBench.elements("l2") >> 10, LoopBench.elements("memory") >> 20));
    sb.append("| loop | B/elem | L2 GB/s | % of copy | memory GB/s | % of copy | alloc B/op (L2) |\n");
    sb.append("|---|---:|---:|---:|---:|---:|---:|\n");
    cells.keySet().stream().map(key -> key.split("\\|")[0]).distinct().forEach(op -> {
      double l2 = gbs(cells.get(op + "|l2"), op, "l2");
      double mem = gbs(cells.get(op + "|memory"), op, "memory");
      Cell any = cells.getOrDefault(op + "|l2", cells.get(op + "|memory")); // short ops: per-op figure
      sb.append(String.format(Locale.ROOT, "| %s | %d | %.1f | %.0f%% | %.1f | %.0f%% | %.2f |%n", op,
          LoopBench.bytesPerElement(op), l2, 100 * l2 / copyL2, mem, 100 * mem / copyMem, any.bytesPerOp()));
    });
    return sb.toString();
  }

  private static double gbs(Cell c, String op, String size) {
    if (c == null) {
      return Double.NaN;
    }
    return (double) LoopBench.bytesPerElement(op) * LoopBench.elements(size) / (c.micros() * 1e3);
  }

  static String dense(List<RunResult> results) {
    if (results.isEmpty()) {
      return "";
    }
    Map<String, Map<String, Double>> rows = new LinkedHashMap<>(); // shape|act|threads → counter → mean
    Map<String, Double> alloc = new LinkedHashMap<>();
    for (RunResult r : results) {
      var p = r.getParams();
      String row = p.getParam("shape") + "|" + p.getParam("act") + "|" + p.getParam("threads");
      Map<String, Double> counters = rows.computeIfAbsent(row, key -> new LinkedHashMap<>());
      r.getSecondaryResults().forEach((name, res) -> counters.merge(name, res.getStatistics().getMean(), Double::sum));
      alloc.merge(row, Cell.of(r).bytesPerOp() / (p.getBenchmark().endsWith("forward") ? 3 : 2), Math::max);
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
