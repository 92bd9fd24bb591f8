package dev.lanes.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
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
 * Runs {@link LoopBench} once and {@link DenseBench} in {@value #ROUNDS} rounds, with the GC profiler, and prints two
 * tables: each loop's GB/s at L2 and memory sizes against the STREAM copy measured in the same run
 * (with bytes allocated per call), and the dense layer's fused/unfused times against the bare GEMM.
 * Writes the raw JMH JSON and the tables under {@code bench/results/<timestamp>/}.
 *
 * <p>Usage: {@code LoopSummary [quick|full] [BENCHMARK_REGEX]}, e.g. {@code quick DenseBench}
 */
public final class LoopSummary {
  private LoopSummary() {}

  public static void main(String[] args) throws RunnerException, IOException {
    String mode = args.length > 0 ? args[0] : "quick";
    if (!mode.equals("quick") && !mode.equals("full")) {
      System.err.println("usage: LoopSummary [quick|full] [BENCHMARK_REGEX]");
      System.exit(2);
    }
    boolean quick = mode.equals("quick");
    Path dir = Path.of("bench", "results",
        LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    Files.createDirectories(dir);
    Pattern which = Pattern.compile(args.length > 1 ? args[1] : ".");
    List<RunResult> loopResults = new ArrayList<>();
    List<Collection<RunResult>> denseRounds = new ArrayList<>();
    if (which.matcher(LoopBench.class.getName()).find()) {
      loopResults.addAll(run(quick, LoopBench.class.getName(), dir.resolve("loops.json")));
    }
    if (which.matcher(DenseBench.class.getName()).find()) {
      // the fused/unfused ratios are a few percent; rounds run minutes apart, and the median of the
      // per-round ratios rides out this shared machine's slow spells
      for (int round = 1; round <= ROUNDS; round++) {
        denseRounds.add(run(quick, DenseBench.class.getName(), dir.resolve("dense-" + round + ".json")));
      }
    }
    String tables = Machine.describe() + "\n\n" + loops(loopResults) + "\n" + dense(denseRounds);
    Files.writeString(dir.resolve("loops.md"), tables, StandardCharsets.UTF_8);
    System.out.println();
    System.out.println(tables);
    System.out.println("raw JMH JSON and these tables: " + dir);
  }

  /** Rounds of the dense benchmark. */
  static final int ROUNDS = 3;

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

  static String dense(List<Collection<RunResult>> rounds) {
    List<Map<String, Cell>> cells = new ArrayList<>(); // per round: shape|act|threads|variant
    for (Collection<RunResult> round : rounds) {
      Map<String, Cell> c = new LinkedHashMap<>();
      for (RunResult r : round) {
        var p = r.getParams();
        c.put(p.getParam("shape") + "|" + p.getParam("act") + "|" + p.getParam("threads") + "|"
            + p.getParam("variant"), Cell.of(r));
      }
      cells.add(c);
    }
    if (cells.isEmpty()) {
      return "";
    }
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "Dense layer batch×in×out: µs per call and ratios, medians over %d rounds "
        + "(ratios taken within each round). Forward: fused = Dense.forward, unfused = GEMM then the activation pass; "
        + "backward: one dZ+db pass vs separate derivative and column-sum passes, then dW and dX.%n%n", cells.size()));
    sb.append("| shape | act | thr | GEMM | fused | unfused | fused/GEMM (rounds) | unfused/fused | back fused "
        + "| back unfused | unfused/fused | alloc B/op (max) |\n");
    sb.append("|---|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|\n");
    cells.get(0).keySet().stream().map(key -> key.substring(0, key.lastIndexOf('|'))).distinct().forEach(row -> {
      String[] k = row.split("\\|");
      double[] fusedGemm = perRound(cells, row, "fused", "gemm");
      sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %.0f | %.0f | %.0f | %.3f (%s) | %.3f | %.0f | %.0f | %.3f | %.1f |%n",
          k[0], k[1], k[2], median(perRound(cells, row, "gemm", null)), median(perRound(cells, row, "fused", null)),
          median(perRound(cells, row, "unfused", null)), median(fusedGemm), list(fusedGemm),
          median(perRound(cells, row, "unfused", "fused")), median(perRound(cells, row, "back-fused", null)),
          median(perRound(cells, row, "back-unfused", null)), median(perRound(cells, row, "back-unfused", "back-fused")),
          cells.stream().flatMap(c -> c.entrySet().stream()).filter(e -> e.getKey().startsWith(row + "|"))
              .mapToDouble(e -> e.getValue().bytesPerOp()).max().orElse(Double.NaN)));
    });
    return sb.toString();
  }

  /** Per round: µs of variant, or its ratio to {@code over} when that is given. */
  private static double[] perRound(List<Map<String, Cell>> cells, String row, String variant, String over) {
    return cells.stream().mapToDouble(c -> micros(c, row, variant) / (over == null ? 1 : micros(c, row, over)))
        .toArray();
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length == 0 ? Double.NaN : s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  private static String list(double[] v) {
    StringBuilder sb = new StringBuilder();
    for (double x : v) {
      sb.append(sb.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.2f", x));
    }
    return sb.toString();
  }

  private static double micros(Map<String, Cell> cells, String row, String variant) {
    Cell c = cells.get(row + "|" + variant);
    return c == null ? Double.NaN : c.micros();
  }
}
