package dev.lanes.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
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
 * Runs {@link TrainStepBench} (JMH, with the GC profiler), then the same steps in PyTorch
 * ({@code bench/peers/torch_train_step.py}, same thread counts) right after, and prints them side
 * by side: µs per step, samples/s, the Lanes/PyTorch speed ratio and bytes allocated per step.
 * Writes the JMH JSON, the peer's JSON lines and the table under {@code bench/results/<timestamp>/}.
 *
 * <p>Usage: {@code TrainSummary [quick|full] [PYTHON]}
 */
public final class TrainSummary {
  private TrainSummary() {}

  public static void main(String[] args) throws RunnerException, IOException, InterruptedException, NoSuchFieldException {
    Run setup = Run.start(args, "TrainSummary [quick|full] [PYTHON]");
    boolean quick = setup.quick();
    Path dir = setup.dir();
    String python = args.length > 1 ? args[1] : "python3";
    Collection<RunResult> lanes = new Runner(new OptionsBuilder()
        .include(TrainStepBench.class.getName())
        .addProfiler(GCProfiler.class)
        .forks(1)
        .warmupIterations(8) // a step runs dozens of methods: C2 needs seconds before all are compiled
        .warmupTime(TimeValue.seconds(1))
        .measurementIterations(quick ? 8 : 10)
        .measurementTime(TimeValue.milliseconds(quick ? 300 : 1000))
        .resultFormat(ResultFormatType.JSON)
        .result(dir.resolve("train.json").toString())
        .build()).run();
    String[] models = TrainStepBench.class.getField("model").getAnnotation(Param.class).value();
    String[] threads = TrainStepBench.class.getField("threads").getAnnotation(Param.class).value();
    Map<String, Double> torch = peer(python, String.join(",", models), String.join(",", threads), quick ? 3 : 8,
        dir.resolve("torch.jsonl"));
    String table = Machine.describe() + "\n\n" + table(lanes, torch);
    Files.writeString(dir.resolve("train.md"), table, StandardCharsets.UTF_8);
    System.out.println();
    System.out.println(table);
    System.out.println("raw results and this table: " + dir);
  }

  /**
   * Runs the PyTorch peer once per thread count, with OpenBLAS and OpenMP held to that count too;
   * returns µs per step by "model|threads" (empty if it could not run).
   */
  private static Map<String, Double> peer(String python, String models, String threads, int seconds, Path out)
      throws IOException, InterruptedException {
    Pattern cell = Pattern.compile("\"model\": \"([^\"]+)\", \"threads\": (\\d+), \"us_per_step\": ([0-9.eE+-]+)");
    List<List<String>> runs = new ArrayList<>();
    for (String t : threads.split(",")) {
      runs.add(List.of(t, models, t, String.valueOf(seconds)));
    }
    return Peer.collect(python, "torch_train_step.py", cell, out, runs);
  }

  static String table(Collection<RunResult> lanes, Map<String, Double> torch) {
    StringBuilder sb = new StringBuilder();
    sb.append("One training step (forward, loss, backward, update), median µs; samples/s = batch / step time. "
        + "PyTorch 1.13 (Debian, on OpenBLAS) ran right after, same machine, same thread count "
        + "(torch.set_num_threads, OPENBLAS_NUM_THREADS, OMP_NUM_THREADS).\n\n");
    sb.append("| model | thr | Lanes µs | Lanes samples/s | PyTorch µs | Lanes/PyTorch speed | Lanes alloc B/step |\n");
    sb.append("|---|---:|---:|---:|---:|---:|---:|\n");
    Map<String, Double> lanesUs = new LinkedHashMap<>();
    for (RunResult r : lanes) {
      String model = r.getParams().getParam("model");
      String thr = r.getParams().getParam("threads");
      double us = r.getPrimaryResult().getStatistics().getPercentile(50);
      lanesUs.put(model + "|" + thr, us);
      Result<?> alloc = r.getSecondaryResults().get("gc.alloc.rate.norm");
      Double peer = torch.get(model + "|" + thr);
      sb.append(String.format(Locale.ROOT, "| %s | %s | %.0f | %.0f | %s | %s | %.1f |%n", model, thr, us,
          TrainStepBench.batchOf(model) / us * 1e6, peer == null ? "–" : String.format(Locale.ROOT, "%.0f", peer),
          peer == null ? "–" : String.format(Locale.ROOT, "%.2f×", peer / us),
          alloc == null ? Double.NaN : alloc.getStatistics().getPercentile(50)));
    }
    Double one = lanesUs.get("wide-256-sgd|1"), two = lanesUs.get("wide-256-sgd|2");
    if (one != null && two != null) {
      sb.append(String.format(Locale.ROOT, "%nLanes wide-256-sgd: 2 threads / 1 thread = %.2f×%n", one / two));
    }
    return sb.toString();
  }
}
