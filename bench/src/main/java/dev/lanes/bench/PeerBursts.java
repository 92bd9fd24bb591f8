package dev.lanes.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A PyTorch peer that runs in a JMH fork beside the benchmark and, between Lanes's iterations,
 * times bursts of the same work ({@code bench/peers/torch_train_step.py}): each measured Lanes
 * iteration gets a twin measured right after it, so their ratio is not moved by this shared
 * machine's slow spells, which last minutes. The fork learns the Python from
 * {@code -Dlanes.peer.python} (unset or empty: no peer) and appends each cell's measured bursts, in
 * order, to the file {@code -Dlanes.peer.out} as one JSON line.
 */
final class PeerBursts implements AutoCloseable {
  static final String PYTHON = "lanes.peer.python", OUT = "lanes.peer.out";

  private final Process process;
  private final PrintWriter requests;
  private final BufferedReader replies;
  private final String cell;
  private final List<Double> measured = new ArrayList<>();

  private PeerBursts(Process process, String cell) {
    this.process = process;
    this.cell = cell;
    requests = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
    replies = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
  }

  /** The peer for one model at one thread count, or null when this fork has none or it cannot start. */
  static PeerBursts start(String model, int threads) {
    String python = System.getProperty(PYTHON, "");
    if (python.isEmpty()) {
      return null;
    }
    try {
      return new PeerBursts(Peer.start(python, String.valueOf(threads), "torch_train_step.py"), model + " " + threads);
    } catch (IOException e) {
      System.err.println("PyTorch peer not started (" + e.getMessage() + ")");
      return null;
    }
  }

  /** Runs one burst of {@code seconds}; keeps its µs per step when {@code measured}. */
  void burst(double seconds, boolean measured) {
    requests.println(cell + " " + String.format(Locale.ROOT, "%.3f", seconds));
    try {
      String reply = replies.readLine();
      Matcher m = US.matcher(reply == null ? "" : reply);
      if (!m.find()) {
        throw new IOException("the PyTorch peer answered " + reply);
      }
      if (measured) {
        this.measured.add(Double.parseDouble(m.group(1)));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Ends the peer and appends the cell's measured bursts to the file named by {@code -Dlanes.peer.out}. */
  @Override
  public void close() {
    requests.close();
    process.destroy();
    String out = System.getProperty(OUT, "");
    if (out.isEmpty() || measured.isEmpty()) {
      return;
    }
    String[] key = cell.split(" ");
    String line = String.format(Locale.ROOT, "{\"model\": \"%s\", \"threads\": %s, \"runs\": [%s]}%n", key[0], key[1],
        measured.stream().map(x -> String.format(Locale.ROOT, "%.1f", x)).collect(Collectors.joining(", ")));
    try {
      Files.writeString(Path.of(out), line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static final Pattern US = Pattern.compile("\"us_per_step\": ([0-9.eE+-]+)");
  private static final Pattern LINE =
      Pattern.compile("\"model\": \"([^\"]+)\", \"threads\": (\\d+), \"runs\": \\[([^\\]]*)\\]");

  /**
   * The measured bursts of each cell ("model|threads") in a file that {@link #close} wrote, forks in
   * the order they ran; empty when there is no file.
   */
  static Map<String, List<Double>> read(Path file) throws IOException {
    Map<String, List<Double>> runs = new LinkedHashMap<>();
    if (!Files.exists(file)) {
      return runs;
    }
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      Matcher m = LINE.matcher(line);
      if (m.find() && !m.group(3).isBlank()) {
        List<Double> cell = runs.computeIfAbsent(m.group(1) + "|" + m.group(2), k -> new ArrayList<>());
        for (String x : m.group(3).split(",")) {
          cell.add(Double.parseDouble(x.trim()));
        }
      }
    }
    return runs;
  }
}
