package dev.lanes.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.knowm.xchart.CategoryChart;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.RunnerException;

/**
 * The train suite: {@link TrainStepBench} (JMH, with the GC profiler), each iteration followed in
 * its fork by the same steps in PyTorch ({@link PeerBursts}, {@code bench/peers/torch_train_step.py},
 * same thread count), side by side: µs per step, samples/s, the Lanes/PyTorch speed ratio taken
 * iteration by iteration, the fraction of the FMA peak and bytes allocated per step; and a chart of
 * samples/s per network and batch. Writes the JMH JSON, the peer's JSON lines, the table and the
 * chart under {@code bench/results/<timestamp>/}.
 *
 * <p>Usage: {@code TrainSummary [quick|full] [MODEL_REGEX]}; PyTorch's Python: {@code $LANES_PYTHON}.
 */
public final class TrainSummary implements Suite {
  static final TrainSummary SUITE = new TrainSummary();
  /** Report's quick subset: batch 32, 128 and 512 (SGD and Adam), the wide and the tiny network. */
  private static final List<String> SUBSET = List.of("mnist-32-sgd", "mnist-128-adam", "mnist-512-sgd",
      "wide-256-sgd", "tiny-64-sgd");
  /** A step runs dozens of methods: C2 needs seconds of warm-up before all are compiled. */
  private static final Settings QUICK = new Settings(1, 8, 1000, 8, 300), FULL = new Settings(1, 8, 1000, 10, 1000);

  /** The peer's cells: model|threads. */
  static final Pattern PEER_CELL = Pattern.compile("\"model\": \"([^\"]+)\", \"threads\": (\\d+)");

  private TrainSummary() {}

  public static void main(String[] args) throws RunnerException, IOException {
    Run.start(args, "TrainSummary [quick|full] [MODEL_REGEX]").alone(SUITE);
  }

  private static List<String> models(Run run) {
    List<String> models = Arrays.stream(JmhRun.matching(TrainStepBench.class, "model", run.filter()))
        .filter(m -> !run.subset() || SUBSET.contains(m)).toList();
    if (models.isEmpty()) {
      throw new IllegalArgumentException("no model matches '" + run.filter() + "'");
    }
    return models;
  }

  private static String[] threads() {
    return JmhRun.matching(TrainStepBench.class, "threads", null);
  }

  @Override
  public String name() {
    return "train";
  }

  @Override
  public List<JmhRun> plan(Run run) {
    List<String> peer = PeerBursts.forkFlags(run, peerFile(run));
    return List.of(new JmhRun("train", run.quick() ? QUICK : FULL, Map.of("model", models(run).toArray(new String[0])),
        run.limits().withPeak(TrainStepBench.class), peer));
  }

  private static Path peerFile(Run run) {
    return run.dir().resolve("train-torch.jsonl");
  }

  @Override
  public boolean hasPeer() {
    return true;
  }

  @Override
  public double peerSeconds(Run run) {
    return run.python().isEmpty() ? 0 : (run.quick() ? QUICK : FULL).burstSeconds(models(run).size() * threads().length);
  }

  @Override
  public Section section(Run run, List<Collection<RunResult>> results) throws IOException {
    Map<String, List<Double>> bursts = PeerBursts.read(peerFile(run), PEER_CELL);
    Map<String, RunResult> cells = new LinkedHashMap<>(); // model|threads
    Map<String, Stat> lanesUs = new LinkedHashMap<>(), torch = new LinkedHashMap<>(), speed = new LinkedHashMap<>();
    for (RunResult r : results.get(0)) {
      if (r.getParams().getBenchmark().endsWith("TrainStepBench.step")) {
        String key = r.getParams().getParam("model") + "|" + r.getParams().getParam("threads");
        cells.put(key, r);
        lanesUs.put(key, Stat.of(r.getPrimaryResult().getStatistics(), x -> x));
        List<Double> peer = bursts.get(key);
        if (peer != null) {
          torch.put(key, Stat.of(peer));
          speed.put(key, Stat.of(PeerBursts.ratios(PeerBursts.iterations(r, x -> x), peer)));
        }
      }
    }
    Limits limits = Limits.of(results.get(0)).or(run.limits());
    String settings = (run.quick() ? QUICK : FULL).describe() + ". " + PeerBursts.DESCRIBE + (run.subset()
        ? " Quick report: " + SUBSET.size() + " of the " + JmhRun.matching(TrainStepBench.class, "model", null).length
        + " models." : "");
    return new Section("train", "Training steps: Lanes and PyTorch", settings,
        table(cells, lanesUs, torch, speed, limits) + PeerBursts.note(run.python(), torch), chart(lanesUs, torch));
  }

  static String table(Map<String, RunResult> cells, Map<String, Stat> lanesUs, Map<String, Stat> torch,
                      Map<String, Stat> speed, Limits limits) {
    StringBuilder sb = new StringBuilder();
    sb.append("One training step (forward, loss, backward, update), median µs; samples/s = batch / step time; % of "
        + "peak counts the products' flops (forward, dW, dX but the input layer's) against the FMA peak of the "
        + "threads used. PyTorch 1.13 (Debian, on OpenBLAS) ran in the same JMH fork, a burst after each Lanes "
        + "iteration, same thread count (torch.set_num_threads, OPENBLAS_NUM_THREADS, OMP_NUM_THREADS), so a slow "
        + "spell of this shared machine moves both sides of a ratio. Bytes per step: `-prof gc` counts "
        + "every thread of the JVM, JMH's own included, and divides by the steps of an iteration, so a slow "
        + "model shows JMH's few hundred bytes per iteration spread over its few steps; \"step threads\" counts only "
        + "the caller and the pool's workers, from the start of each measured iteration's first step to the end of "
        + "its last: the median over iterations (min–max), as an iteration in which the JIT swaps compiled code can "
        + "show a one-off allocation, where one per step shows in all.\n\n");
    sb.append("| model | thr | Lanes µs (min–max) | Lanes samples/s | PyTorch µs (min–max) "
        + "| Lanes/PyTorch speed (min–max) | Lanes % of peak | Lanes B/step, -prof gc | Lanes B/step, step threads |\n");
    sb.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    cells.forEach((key, r) -> {
      String model = key.split("\\|")[0], thr = key.split("\\|")[1];
      Stat us = lanesUs.get(key), peer = torch.get(key), ratio = speed.get(key);
      double samples = TrainStepBench.batchOf(model) / us.median() * 1e6;
      sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %.0f | %s | %s | %s | %.1f | %s |%n", model, thr,
          us.format("%.0f"), samples, peer == null ? "–" : peer.format("%.0f"),
          ratio == null ? "–" : ratio.format("%.2f").replaceFirst("^\\S+", "$0×"),
          limits.percentOfPeak(samples * TrainStepBench.stepFlops(model) / 1e9, Integer.parseInt(thr)),
          Stat.allocPerOp(r), ThreadBytes.perCall(r)));
    });
    Stat one = lanesUs.get("wide-256-sgd|1"), two = lanesUs.get("wide-256-sgd|2");
    if (one != null && two != null) {
      sb.append(String.format(Locale.ROOT, "%nLanes wide-256-sgd: 2 threads / 1 thread = %.2f×%n",
          one.median() / two.median()));
    }
    return sb.toString();
  }

  /** Samples/s per model, Lanes and PyTorch at each thread count. */
  private static CategoryChart chart(Map<String, Stat> lanesUs, Map<String, Stat> torchUs) {
    List<String> models = lanesUs.keySet().stream().map(k -> k.split("\\|")[0]).distinct().toList();
    CategoryChart chart = Charts.bars("Training steps: samples/s (log scale)", "samples/s");
    for (String t : threads()) {
      Charts.bars(chart, "Lanes, " + t + " thr", models, samples(models, t, lanesUs));
      Charts.bars(chart, "PyTorch, " + t + " thr", models, samples(models, t, torchUs));
    }
    return chart;
  }

  /** Samples/s of each model at {@code threads} from µs per step; null where there is none. */
  private static List<Double> samples(List<String> models, String threads, Map<String, Stat> micros) {
    List<Double> samples = new ArrayList<>();
    for (String m : models) {
      Stat us = micros.get(m + "|" + threads);
      samples.add(us == null ? null : TrainStepBench.batchOf(m) / us.median() * 1e6);
    }
    return samples;
  }
}
