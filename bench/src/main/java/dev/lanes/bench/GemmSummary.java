package dev.lanes.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the FMA peak and the GEMM benchmarks (Lanes and OpenBLAS in one JMH run) and prints one
 * table: GFLOP/s (median over iterations, with min–max), the Lanes/OpenBLAS ratio and the fraction
 * of this machine's measured FMA peak. Writes the raw JMH JSON and the table under
 * {@code bench/results/<timestamp>/}.
 *
 * <p>Usage: {@code GemmSummary [quick|full] [SHAPE_REGEX]}
 */
public final class GemmSummary {
  private GemmSummary() {}

  public static void main(String[] args) throws RunnerException, IOException, ReflectiveOperationException {
    Run setup = Run.start(args, "GemmSummary [quick|full] [SHAPE_REGEX]");
    boolean quick = setup.quick();
    Path dir = setup.dir();
    String filter = args.length > 1 ? args[1] : null;

    ChainedOptionsBuilder opt = new OptionsBuilder()
        .include(PeakBench.class.getName())
        .include(GemmBench.class.getName())
        .forks(quick ? 1 : 2)
        .warmupIterations(quick ? 3 : 5)
        .warmupTime(TimeValue.milliseconds(quick ? 400 : 1000))
        .measurementIterations(quick ? 5 : 8)
        .measurementTime(TimeValue.milliseconds(quick ? 400 : 1000))
        .resultFormat(ResultFormatType.JSON)
        .result(dir.resolve("gemm.json").toString());
    if (filter != null) {
      List<String> shapes = new ArrayList<>();
      for (String s : GemmBench.class.getField("shape").getAnnotation(org.openjdk.jmh.annotations.Param.class).value()) {
        if (s.matches(filter)) {
          shapes.add(s);
        }
      }
      if (shapes.isEmpty()) {
        System.err.println("no GEMM shape matches '" + filter + "'");
        System.exit(2);
      }
      opt.param("shape", shapes.toArray(new String[0]));
    }
    Collection<RunResult> results = new Runner(opt.build()).run();

    String table = table(results);
    Files.writeString(dir.resolve("gemm.md"), table, StandardCharsets.UTF_8);
    PrintStream out = System.out;
    out.println();
    out.println(table);
    out.println("raw JMH JSON and this table: " + dir);
  }

  static String table(Collection<RunResult> results) {
    double peakPerCore = 0;
    Map<String, double[]> gemm = new LinkedHashMap<>(); // key shape|threads|variant → median, min, max GFLOP/s
    for (RunResult r : results) {
      var stats = r.getPrimaryResult().getStatistics();
      String bench = r.getParams().getBenchmark();
      if (bench.endsWith("PeakBench.fma")) {
        peakPerCore = PeakBench.flopsPerOp() / stats.getPercentile(50); // ns/op → GFLOP/s
        continue;
      }
      GemmShape s = GemmShape.parse(r.getParams().getParam("shape"));
      double us2gflops = s.flops() / 1e3; // flops / (µs·1e3) = GFLOP/s
      gemm.put(r.getParams().getParam("shape") + "|" + r.getParams().getParam("threads") + "|"
              + r.getParams().getParam("variant"),
          new double[] {us2gflops / stats.getPercentile(50), us2gflops / stats.getMax(), us2gflops / stats.getMin()});
    }
    StringBuilder sb = new StringBuilder();
    sb.append(Machine.describe()).append('\n');
    sb.append(String.format(Locale.ROOT, "FP32 FMA peak measured in this run: %.1f GFLOP/s per core%n%n", peakPerCore));
    sb.append("| product | m×n×k | thr | Lanes GFLOP/s (min–max) | OpenBLAS GFLOP/s (min–max) | Lanes/OpenBLAS | Lanes % of peak |\n");
    sb.append("|---|---|---:|---:|---:|---:|---:|\n");
    for (Map.Entry<String, double[]> e : gemm.entrySet()) {
      String[] key = e.getKey().split("\\|");
      if (!key[2].equals("lanes")) {
        continue;
      }
      GemmShape s = GemmShape.parse(key[0]);
      int threads = Integer.parseInt(key[1]);
      double[] lanes = e.getValue();
      double[] blas = gemm.get(key[0] + "|" + key[1] + "|openblas");
      String op = (s.transA() ? "Aᵀ" : "A") + "·" + (s.transB() ? "Bᵀ" : "B");
      sb.append(String.format(Locale.ROOT, "| %s (%s) | %d×%d×%d | %d | %s | %s | %s | %s |%n",
          key[0], op, s.m(), s.n(), s.k(), threads, cell(lanes), blas == null ? "–" : cell(blas),
          blas == null ? "–" : String.format(Locale.ROOT, "%.2f×", lanes[0] / blas[0]),
          peakPerCore == 0 ? "–" : String.format(Locale.ROOT, "%.0f%%", 100 * lanes[0] / (peakPerCore * threads))));
    }
    double[] one = gemm.get("square-1024|1|lanes"), two = gemm.get("square-1024|2|lanes");
    if (one != null && two != null) {
      sb.append(String.format(Locale.ROOT, "%nLanes square-1024: 2 threads / 1 thread = %.2f×%n", two[0] / one[0]));
    }
    return sb.toString();
  }

  private static String cell(double[] v) {
    return String.format(Locale.ROOT, "%.1f (%.1f–%.1f)", v[0], v[1], v[2]);
  }
}
