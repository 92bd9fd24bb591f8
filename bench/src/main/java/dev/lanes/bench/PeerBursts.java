package dev.lanes.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleUnaryOperator;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.IterationType;

/**
 * A PyTorch peer that runs in a JMH fork beside the benchmark and, between Lanes' iterations,
 * times bursts of the same work (a script under {@code bench/peers/} that answers requests on
 * stdin): each measured Lanes iteration gets a twin measured right after it, so their ratio is not
 * moved by this shared machine's slow spells, which last minutes. The fork learns the Python from
 * {@code -Dlanes.peer.python} (unset or empty: no peer) and appends each peer's measured bursts, in
 * order, to the file {@code -Dlanes.peer.out} as one JSON line.
 */
final class PeerBursts implements AutoCloseable {
  static final String PYTHON = "lanes.peer.python", OUT = "lanes.peer.out";

  private final Process process;
  private final PrintWriter requests;
  private final BufferedReader replies;
  private final String request, label;
  private final List<Double> measured = new ArrayList<>();
  private boolean failed;

  private PeerBursts(Process process, String request, String label) {
    this.process = process;
    this.request = request;
    this.label = label;
    requests = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
    replies = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
  }

  /**
   * {@code script} on {@code threads} threads (OpenBLAS and OpenMP), asked for bursts with the
   * request {@code request} (the burst's seconds appended); {@code label}: the JSON fields that name
   * the cell in the output line. Null when this fork has no peer or it cannot start.
   */
  static PeerBursts start(String script, int threads, String request, String label) {
    String python = System.getProperty(PYTHON, "");
    if (python.isEmpty()) {
      return null;
    }
    try {
      return new PeerBursts(process(python, threads, script), request, label);
    } catch (IOException e) {
      System.err.println("PyTorch peer not started (" + e.getMessage() + ")");
      return null;
    }
  }

  /**
   * Starts {@code python bench/peers/SCRIPT} with OpenBLAS and OpenMP held to {@code threads}
   * (Debian's torch calls a threaded OpenBLAS, which otherwise starts one thread per core on top of
   * torch's own), its errors on this process's stderr.
   */
  private static Process process(String python, int threads, String script) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(python, "bench/peers/" + script).redirectError(ProcessBuilder.Redirect.INHERIT);
    pb.environment().put("OPENBLAS_NUM_THREADS", String.valueOf(threads));
    pb.environment().put("OMP_NUM_THREADS", String.valueOf(threads));
    pb.environment().put("OMP_WAIT_POLICY", "PASSIVE"); // spinning OpenMP workers starve OpenBLAS's: 3-7x slower
    return pb.start();
  }

  /** The flags that give a suite's JMH forks the peer ({@code run}'s Python) and its output file. */
  static List<String> forkFlags(Run run, Path out) {
    return run.python().isEmpty() ? List.of()
        : List.of("-D" + PYTHON + "=" + run.python(), "-D" + OUT + "=" + out.toAbsolutePath());
  }

  /**
   * The twin of the iteration JMH has just ended: a burst as long as a measured iteration, kept
   * when that iteration was measured (warm-up ones warm the peer).
   */
  void burst(BenchmarkParams params, IterationParams iteration) {
    burst(params.getMeasurement().getTime().convertTo(TimeUnit.MICROSECONDS) / 1e6,
        iteration.getType() == IterationType.MEASUREMENT);
  }

  /**
   * Runs one burst of {@code seconds}; keeps its µs per step (or call) when {@code measured}. A peer
   * that fails is reported on stderr and asked for nothing more: the Lanes cell still counts, and
   * the bursts kept so far still pair with the iterations they followed.
   */
  private void burst(double seconds, boolean measured) {
    if (failed) {
      return;
    }
    requests.println(request + " " + String.format(Locale.ROOT, "%.3f", seconds));
    try {
      String reply = replies.readLine();
      Matcher m = US.matcher(reply == null ? "" : reply);
      if (!m.find()) {
        throw new IOException("it answered " + reply);
      }
      if (measured) {
        this.measured.add(Double.parseDouble(m.group(1)));
      }
    } catch (IOException e) {
      System.err.println("PyTorch peer (" + request + ") failed: " + e.getMessage());
      failed = true;
    }
  }

  /** Ends the peer and appends its measured bursts to the file named by {@code -Dlanes.peer.out}. */
  @Override
  public void close() {
    requests.close();
    process.destroy();
    String out = System.getProperty(OUT, "");
    if (out.isEmpty() || measured.isEmpty()) {
      return;
    }
    String line = "{" + label + ", \"runs\": [" + measured.stream().map(x -> String.format(Locale.ROOT, "%.2f", x))
        .collect(Collectors.joining(", ")) + "]}\n";
    try {
      Files.writeString(Path.of(out), line, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      System.err.println("PyTorch peer's results not written to " + out + ": " + e.getMessage());
    }
  }

  /** A line for the report when the peer gave nothing: why; else empty. */
  static String note(String python, Map<String, ?> values) {
    if (python == null || python.isEmpty()) {
      return "\n\nPyTorch not installed: peer skipped.";
    }
    return values.isEmpty() ? "\n\nThe PyTorch peer gave no results (see the log above the report)." : "";
  }

  /** How the peer was measured, for a report. */
  static final String DESCRIBE = "PyTorch: after each Lanes iteration, warm-up ones included, a burst of the same "
      + "work as long as a measured iteration, in the pause between JMH's iterations; its median (min–max) over "
      + "the bursts after measured iterations; Lanes/PyTorch: the median (min–max) of the speed ratios of each "
      + "measured iteration and the burst right after it.";

  /** Each measured iteration's score of every fork, in the order they ran, converted by {@code f}. */
  static List<Double> iterations(RunResult r, DoubleUnaryOperator f) {
    return perIteration(r, it -> f.applyAsDouble(it.getPrimaryResult().getScore()));
  }

  /** A value of each measured iteration of every fork, in the order they ran; null values left out. */
  static List<Double> perIteration(RunResult r, Function<IterationResult, Double> value) {
    List<Double> values = new ArrayList<>();
    for (BenchmarkResult fork : r.getBenchmarkResults()) {
      for (IterationResult it : fork.getIterationResults()) {
        Double v = value.apply(it);
        if (v != null) {
          values.add(v);
        }
      }
    }
    return values;
  }

  /** Lanes/PyTorch speed of each iteration (µs) and the burst (µs) right after it. */
  static List<Double> ratios(List<Double> lanesUs, List<Double> torchUs) {
    List<Double> ratios = new ArrayList<>();
    for (int i = 0; i < Math.min(lanesUs.size(), torchUs.size()); i++) {
      ratios.add(torchUs.get(i) / lanesUs.get(i));
    }
    return ratios;
  }

  private static final Pattern US = Pattern.compile("\"us_per_(?:step|call)\": ([0-9.eE+-]+)");
  private static final Pattern RUNS = Pattern.compile("\"runs\": \\[([^\\]]*)\\]");

  /**
   * The measured bursts of each cell in a file that {@link #close} wrote, keyed by the groups of
   * {@code cell} joined with "|", forks in the order they ran; empty when there is no file.
   */
  static Map<String, List<Double>> read(Path file, Pattern cell) throws IOException {
    Map<String, List<Double>> runs = new LinkedHashMap<>();
    if (!Files.exists(file)) {
      return runs;
    }
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      Matcher m = cell.matcher(line), r = RUNS.matcher(line);
      if (m.find() && r.find() && !r.group(1).isBlank()) {
        StringBuilder key = new StringBuilder(m.group(1));
        for (int g = 2; g <= m.groupCount(); g++) {
          key.append('|').append(m.group(g));
        }
        List<Double> bursts = runs.computeIfAbsent(key.toString(), k -> new ArrayList<>());
        for (String x : r.group(1).split(",")) {
          bursts.add(Double.parseDouble(x.trim()));
        }
      }
    }
    return runs;
  }
}
