package dev.lanes.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.DoubleUnaryOperator;
import java.util.regex.Pattern;
import org.knowm.xchart.CategoryChart;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.RunnerException;

/**
 * The predict suite: {@link PredictBench} (JMH, with the GC profiler), each iteration followed in
 * its fork by the same inference in PyTorch ({@link PeerBursts}, {@code bench/peers/torch_predict.py}),
 * side by side: µs per call, samples/s, the Lanes/PyTorch speed ratio taken iteration by iteration
 * against the targets (3× at batch 1, 1.2× at batch 64, one thread), the fraction of the FMA
 * peak and bytes allocated per call; and a chart of samples/s per batch. Writes the JMH JSON, the
 * peer's JSON lines, the table and the chart under {@code bench/results/<timestamp>/}.
 *
 * <p>Usage: {@code PredictSummary [quick|full]}; PyTorch's Python: {@code $LANES_PYTHON}.
 */
public final class PredictSummary implements Suite {
  static final PredictSummary SUITE = new PredictSummary();
  /** The peer's cells: Lanes benchmark|PyTorch case|batch. */
  static final Pattern PEER_CELL =
      Pattern.compile("\"bench\": \"([^\"]+)\", \"case\": \"([^\"]+)\", \"batch\": (\\d+)");
  private static final String[] BATCHES = JmhRun.matching(PredictBench.Rows.class, "batch", null);
  /** C2 needs a few seconds before the GEMM paths are compiled. */
  private static final Settings QUICK = new Settings(1, 5, 1000, 8, 300), FULL = new Settings(2, 8, 1000, 10, 1000);

  private PredictSummary() {}

  public static void main(String[] args) throws RunnerException, IOException {
    Run.start(args, "PredictSummary [quick|full]").alone(SUITE);
  }

  @Override
  public String name() {
    return "predict";
  }

  @Override
  public List<JmhRun> plan(Run run) {
    List<String> peer = PeerBursts.forkFlags(run, peerFile(run));
    return List.of(new JmhRun("predict", run.quick() ? QUICK : FULL, Map.of(), run.limits().withPeak(PredictBench.class),
        peer));
  }

  private static Path peerFile(Run run) {
    return run.dir().resolve("predict-torch.jsonl");
  }

  @Override
  public boolean hasPeer() {
    return true;
  }

  @Override
  public double peerSeconds(Run run) {
    // a burst per iteration: latency at each batch, row, and two peers for twoThreads at each batch
    return run.python().isEmpty() ? 0 : (run.quick() ? QUICK : FULL).burstSeconds(3L * BATCHES.length + 1);
  }

  @Override
  public Section section(Run run, List<Collection<RunResult>> results) throws IOException {
    Map<String, List<Double>> bursts = PeerBursts.read(peerFile(run), PEER_CELL);
    Map<String, Cell> cells = new LinkedHashMap<>(); // "method|batch"
    Map<String, Stat> torch = new LinkedHashMap<>(), speed = new LinkedHashMap<>(); // "method|case|batch"
    for (RunResult r : results.get(0)) {
      String bench = r.getParams().getBenchmark();
      if (bench.startsWith(PredictBench.class.getName() + ".")) {
        Cell c = Cell.of(r);
        String method = bench.substring(PredictBench.class.getName().length() + 1);
        cells.put(method + "|" + c.batch(), c);
        for (String peerCase : new String[] {"single", "callers2", "intra2"}) {
          String key = method + "|" + peerCase + "|" + c.batch();
          List<Double> peer = bursts.get(key);
          if (peer != null) {
            torch.put(key, Stat.of(peer));
            speed.put(key, Stat.of(PeerBursts.ratios(c.iterations(), peer)));
          }
        }
      }
    }
    String settings = (run.quick() ? QUICK : FULL).describe() + ". " + PeerBursts.DESCRIBE;
    return new Section("predict", "Inference: Lanes and PyTorch", settings,
        table(cells, torch, speed, Limits.of(results.get(0)).or(run.limits())) + PeerBursts.note(run.python(), torch),
        chart(cells, torch));
  }

  /**
   * One Lanes cell: median µs per call (per calling thread), samples/s, bytes allocated per call, and
   * the µs per call of each measured iteration.
   */
  private record Cell(int batch, int threads, Stat micros, double samples, double bytesPerCall,
                      List<Double> iterations) {
    static Cell of(RunResult r) {
      String b = r.getParams().getParam("batch");
      int batch = b == null ? 1 : Integer.parseInt(b);
      int threads = r.getParams().getThreads();
      // latency and row: µs per call; twoThreads: calls per second, all threads together
      DoubleUnaryOperator micros = r.getParams().getMode() == Mode.Throughput ? x -> threads / x * 1e6 : x -> x;
      Stat us = Stat.of(r.getPrimaryResult().getStatistics(), micros);
      return new Cell(batch, threads, us, threads * batch / us.median() * 1e6, Stat.allocPerOp(r),
          PeerBursts.iterations(r, micros));
    }
  }

  static String table(Map<String, Cell> cells, Map<String, Stat> torch, Map<String, Stat> speed, Limits limits) {
    StringBuilder sb = new StringBuilder();
    sb.append("Inference on 784-256-128-10 (ReLU; logits, no softmax), median µs per call (per calling thread); "
        + "samples/s = batch × calls/s of all threads; % of peak counts the products' flops against the FMA peak "
        + "of the threads used. PyTorch 1.13 (Debian, on OpenBLAS; float32, eval(), no_grad) ran in the same JMH "
        + "fork, a burst after each Lanes iteration, with OPENBLAS_NUM_THREADS and OMP_NUM_THREADS at the thread "
        + "count of its torch.set_num_threads. Lanes 2 threads: two threads share one Predictor, each with its own "
        + "rows. PyTorch 2 callers: two Python threads call one model with 1 intra-op thread each (the GIL is "
        + "released inside ops, not around them); PyTorch intra-op 2: one caller, torch.set_num_threads(2).\n\n");
    sb.append("| Lanes | PyTorch | batch | Lanes µs/call (min–max) | Lanes samples/s | PyTorch µs/call (min–max) "
        + "| Lanes/PyTorch speed (min–max) | target | Lanes % of peak | Lanes alloc B/call |\n");
    sb.append("|---|---|---:|---:|---:|---:|---:|---|---:|---:|\n");
    row(sb, "1 thread, predictBatch into an array", "1 thread", "latency|1", "single", cells, torch, speed, 3, limits);
    row(sb, "1 thread, predictBatch into an array", "1 thread", "latency|64", "single", cells, torch, speed, 1.2,
        limits);
    row(sb, "1 thread, predict(row) (new array)", "1 thread", "row|1", "single", cells, torch, speed, 0, limits);
    for (String peer : new String[] {"callers2", "intra2"}) {
      for (String b : BATCHES) {
        row(sb, "2 threads, one Predictor", peer.equals("callers2") ? "2 callers" : "intra-op 2", "twoThreads|" + b,
            peer, cells, torch, speed, 0, limits);
      }
    }
    for (String b : BATCHES) {
      Cell one = cells.get("latency|" + b), two = cells.get("twoThreads|" + b);
      if (one != null && two != null) {
        sb.append(String.format(Locale.ROOT, "%nLanes batch %s: samples/s of 2 threads / 1 thread = %.2f×", b,
            two.samples() / one.samples()));
      }
    }
    return sb.append('\n').toString();
  }

  /**
   * One table row: Lanes cell {@code cell} ("method|batch") beside its PyTorch case; no row if Lanes
   * has no cell (a narrowed run); target 0: none.
   */
  private static void row(StringBuilder sb, String lanes, String peer, String cell, String peerCase,
                          Map<String, Cell> cells, Map<String, Stat> torch, Map<String, Stat> speed, double target,
                          Limits limits) {
    Cell c = cells.get(cell);
    if (c == null) {
      return;
    }
    String key = cell.split("\\|")[0] + "|" + peerCase + "|" + c.batch();
    Stat torchUs = torch.get(key), ratio = speed.get(key);
    String goal = "–";
    if (target > 0) {
      goal = String.format(Locale.ROOT, "≥ %s×%s", target == Math.rint(target) ? String.valueOf((int) target)
          : String.valueOf(target), ratio == null ? "" : ratio.median() >= target ? " met" : " missed");
    }
    double gflops = c.samples() * TrainStepBench.forwardFlops(TrainStepBench.widths("mnist")) / 1e9;
    sb.append(String.format(Locale.ROOT, "| %s | %s | %d | %s | %.0f | %s | %s | %s | %s | %.1f |%n", lanes, peer,
        c.batch(), c.micros().format("%.2f"), c.samples(), torchUs == null ? "–" : torchUs.format("%.2f"),
        ratio == null ? "–" : ratio.format("%.2f").replaceFirst("^\\S+", "$0×"), goal,
        limits.percentOfPeak(gflops, c.threads()), c.bytesPerCall()));
  }

  /** Samples/s per batch size: Lanes at 1 and 2 threads, PyTorch in each of its cases. */
  private static CategoryChart chart(Map<String, Cell> cells, Map<String, Stat> torch) {
    List<String> batches = new ArrayList<>();
    for (String b : BATCHES) {
      batches.add("batch " + b);
    }
    CategoryChart chart = Charts.bars("Inference, 784-256-128-10: samples/s (log scale)", "samples/s");
    Charts.bars(chart, "Lanes, 1 thread", batches, lanes(cells, "latency"));
    Charts.bars(chart, "PyTorch, 1 thread", batches, torch(torch, "latency|single", 1));
    Charts.bars(chart, "Lanes, 2 threads, one Predictor", batches, lanes(cells, "twoThreads"));
    Charts.bars(chart, "PyTorch, 2 callers", batches, torch(torch, "twoThreads|callers2", 2));
    Charts.bars(chart, "PyTorch, intra-op 2", batches, torch(torch, "twoThreads|intra2", 1));
    return chart;
  }

  private static List<Double> lanes(Map<String, Cell> cells, String method) {
    List<Double> samples = new ArrayList<>();
    for (String b : BATCHES) {
      Cell c = cells.get(method + "|" + b);
      samples.add(c == null ? null : c.samples());
    }
    return samples;
  }

  /** Samples/s of a PyTorch case ("method|case"): {@code callers} × batch per call time. */
  private static List<Double> torch(Map<String, Stat> torch, String peerCase, int callers) {
    List<Double> samples = new ArrayList<>();
    for (String b : BATCHES) {
      Stat us = torch.get(peerCase + "|" + b);
      samples.add(us == null ? null : callers * Integer.parseInt(b) / us.median() * 1e6);
    }
    return samples;
  }
}
