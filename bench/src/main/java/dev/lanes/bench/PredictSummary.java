package dev.lanes.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs {@link PredictBench} (JMH, with the GC profiler), then the same inference in PyTorch
 * ({@code bench/peers/torch_predict.py}) right after, and prints them side by side: µs per call,
 * samples/s, the Lanes/PyTorch speed ratio against the targets (3× at batch 1, 1.2× at
 * batch 64, one thread) and bytes allocated per call. Writes the JMH JSON, the peer's JSON lines
 * and the table under {@code bench/results/<timestamp>/}.
 *
 * <p>Usage: {@code PredictSummary [quick|full] [PYTHON]}
 */
public final class PredictSummary {
  private PredictSummary() {}

  public static void main(String[] args) throws RunnerException, IOException, InterruptedException, NoSuchFieldException {
    Run setup = Run.start(args, "PredictSummary [quick|full] [PYTHON]");
    boolean quick = setup.quick();
    Path dir = setup.dir();
    String python = args.length > 1 ? args[1] : "python3";
    Collection<RunResult> lanes = new Runner(new OptionsBuilder()
        .include(PredictBench.class.getName())
        .addProfiler(GCProfiler.class)
        .forks(quick ? 1 : 2)
        .warmupIterations(quick ? 5 : 8) // C2 needs a few seconds before the GEMM paths are compiled
        .warmupTime(TimeValue.seconds(1))
        .measurementIterations(quick ? 8 : 10)
        .measurementTime(TimeValue.milliseconds(quick ? 300 : 1000))
        .resultFormat(ResultFormatType.JSON)
        .result(dir.resolve("predict.json").toString())
        .build()).run();
    String batches = String.join(",", PredictBench.Rows.class.getField("batch").getAnnotation(Param.class).value());
    Map<String, Double> torch = peer(python, batches, quick ? 3 : 8, dir.resolve("torch.jsonl"));
    String table = Machine.describe() + "\n\n" + table(lanes, torch);
    Files.writeString(dir.resolve("predict.md"), table, StandardCharsets.UTF_8);
    System.out.println();
    System.out.println(table);
    System.out.println("raw results and this table: " + dir);
  }

  /**
   * Runs the PyTorch peer twice: its one-thread cases (one caller; two Python callers) with
   * OpenBLAS and OpenMP held to one thread, then its intra-op case with both at two; returns µs per
   * call (per caller) by "case|batch" (empty if it could not run).
   */
  private static Map<String, Double> peer(String python, String batches, int seconds, Path out)
      throws IOException, InterruptedException {
    Pattern cell = Pattern.compile("\"case\": \"([^\"]+)\", \"batch\": (\\d+), .*\"us_per_call\": ([0-9.eE+-]+)");
    String time = String.valueOf(seconds);
    return Peer.collect(python, "torch_predict.py", cell, out,
        List.of(List.of("1", batches, "single,callers2", time), List.of("2", batches, "intra2", time)));
  }

  /** One Lanes cell: median µs per call (per calling thread), samples/s and bytes allocated per call. */
  private record Cell(int batch, double micros, double samples, double bytesPerCall) {
    static Cell of(RunResult r) {
      String b = r.getParams().getParam("batch");
      int batch = b == null ? 1 : Integer.parseInt(b);
      int threads = r.getParams().getThreads();
      double median = r.getPrimaryResult().getStatistics().getPercentile(50);
      // latency and row: µs per call; twoThreads: calls per second, all threads together
      double micros = r.getParams().getMode() == Mode.Throughput ? threads / median * 1e6 : median;
      Result<?> alloc = r.getSecondaryResults().get("gc.alloc.rate.norm");
      return new Cell(batch, micros, threads * batch / micros * 1e6,
          alloc == null ? Double.NaN : alloc.getStatistics().getPercentile(50));
    }
  }

  static String table(Collection<RunResult> lanes, Map<String, Double> torch) {
    Map<String, Cell> cells = new LinkedHashMap<>(); // "method|batch"
    for (RunResult r : lanes) {
      String method = r.getParams().getBenchmark().substring(PredictBench.class.getName().length() + 1);
      Cell c = Cell.of(r);
      cells.put(method + "|" + c.batch(), c);
    }
    StringBuilder sb = new StringBuilder();
    sb.append("Inference on 784-256-128-10 (ReLU; logits, no softmax), median µs per call (per calling thread); "
        + "samples/s = batch × calls/s of all threads. PyTorch 1.13 (Debian, on OpenBLAS; float32, eval(), "
        + "no_grad) ran right after, same machine, with OPENBLAS_NUM_THREADS and OMP_NUM_THREADS at the thread "
        + "count of its torch.set_num_threads. Lanes 2 threads: two threads share one Predictor, each with its own "
        + "rows. PyTorch 2 callers: two Python threads call one model with 1 intra-op thread each (the GIL is "
        + "released inside ops, not around them); PyTorch intra-op 2: one caller, torch.set_num_threads(2).\n\n");
    sb.append("| Lanes | PyTorch | batch | Lanes µs/call | Lanes samples/s | PyTorch µs/call | Lanes/PyTorch speed "
        + "| target | Lanes alloc B/call |\n");
    sb.append("|---|---|---:|---:|---:|---:|---:|---|---:|\n");
    row(sb, "1 thread, predictBatch into an array", "1 thread", cells.get("latency|1"), torch.get("single|1"), 3);
    row(sb, "1 thread, predictBatch into an array", "1 thread", cells.get("latency|64"), torch.get("single|64"), 1.2);
    row(sb, "1 thread, predict(row) (new array)", "1 thread", cells.get("row|1"), torch.get("single|1"), 0);
    for (String peer : new String[] {"callers2", "intra2"}) {
      for (String b : new String[] {"1", "64"}) {
        row(sb, "2 threads, one Predictor", peer.equals("callers2") ? "2 callers" : "intra-op 2",
            cells.get("twoThreads|" + b), torch.get(peer + "|" + b), 0);
      }
    }
    for (String b : new String[] {"1", "64"}) {
      Cell one = cells.get("latency|" + b), two = cells.get("twoThreads|" + b);
      if (one != null && two != null) {
        sb.append(String.format(Locale.ROOT, "%nLanes batch %s: samples/s of 2 threads / 1 thread = %.2f×", b,
            two.samples() / one.samples()));
      }
    }
    return sb.append('\n').toString();
  }

  /** One table row; no row if Lanes has no cell (a narrowed run); target 0: none. */
  private static void row(StringBuilder sb, String lanes, String peer, Cell c, Double torchUs, double target) {
    if (c == null) {
      return;
    }
    String ratio = "–", goal = "–";
    if (torchUs != null) {
      ratio = String.format(Locale.ROOT, "%.2f×", torchUs / c.micros());
    }
    if (target > 0) {
      goal = String.format(Locale.ROOT, "≥ %s×%s", target == Math.rint(target) ? String.valueOf((int) target)
          : String.valueOf(target), torchUs == null ? "" : torchUs / c.micros() >= target ? " met" : " missed");
    }
    sb.append(String.format(Locale.ROOT, "| %s | %s | %d | %.2f | %.0f | %s | %s | %s | %.1f |%n", lanes, peer,
        c.batch(), c.micros(), c.samples(), torchUs == null ? "–" : String.format(Locale.ROOT, "%.2f", torchUs),
        ratio, goal, c.bytesPerCall()));
  }
}
