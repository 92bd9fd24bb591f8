package dev.lanes.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs a PyTorch peer script under {@code bench/peers/} and collects the JSON lines it prints. */
final class Peer {
  private Peer() {}

  /**
   * Runs the script to its end ({@link #start}), echoing its lines to stderr as they come; returns
   * them, or null if it could not start.
   */
  static List<String> run(String python, String threads, String script, String... args)
      throws IOException, InterruptedException {
    Process p;
    try {
      p = start(python, threads, script, args);
    } catch (IOException e) {
      System.err.println("PyTorch peer not run (" + e.getMessage() + "): install python3-torch and libopenblas0");
      return null;
    }
    List<String> lines = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        lines.add(line);
        System.err.println("torch: " + line);
      }
    }
    if (p.waitFor() != 0) {
      System.err.println("PyTorch peer exited with " + p.exitValue() + ": is python3-torch installed?");
    }
    return lines;
  }

  /**
   * Starts {@code python bench/peers/SCRIPT ARGS...} with OpenBLAS and OpenMP held to {@code threads}
   * (Debian's torch calls a threaded OpenBLAS, which otherwise starts one thread per core on top of
   * torch's own), its errors on this process's stderr.
   */
  static Process start(String python, String threads, String script, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(python, "bench/peers/" + script));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
    pb.environment().put("OPENBLAS_NUM_THREADS", threads);
    pb.environment().put("OMP_NUM_THREADS", threads);
    pb.environment().put("OMP_WAIT_POLICY", "PASSIVE"); // spinning OpenMP workers starve OpenBLAS's: 3-7x slower
    return pb.start();
  }

  /**
   * Runs the script once per entry of {@code runs} (each: the thread count, then the script's
   * arguments), writes every line to {@code out}, and returns, for each line {@code cell} matches,
   * group 3 (the median) with the min–max of the line's {@code "runs"} keyed by "group 1|group 2";
   * stops early (with what it has) if the peer cannot start, and returns nothing when
   * {@code python} is empty (PyTorch not installed).
   */
  static Map<String, Stat> collect(String python, String script, Pattern cell, Path out, List<List<String>> runs)
      throws IOException, InterruptedException {
    Map<String, Stat> values = new LinkedHashMap<>();
    if (python == null || python.isEmpty()) {
      return values;
    }
    List<String> lines = new ArrayList<>();
    for (List<String> run : runs) {
      List<String> got = run(python, run.get(0), script, run.subList(1, run.size()).toArray(new String[0]));
      if (got == null) {
        return values;
      }
      for (String line : got) {
        lines.add(line);
        Matcher m = cell.matcher(line);
        if (m.find()) {
          values.put(m.group(1) + "|" + m.group(2), stat(Double.parseDouble(m.group(3)), line));
        }
      }
    }
    Files.write(out, lines, StandardCharsets.UTF_8);
    return values;
  }

  private static final Pattern RUNS = Pattern.compile("\"runs\": \\[([^\\]]*)\\]");

  /** The median with the min–max of the line's runs (none: no spread). */
  private static Stat stat(double median, String line) {
    Matcher m = RUNS.matcher(line);
    if (!m.find() || m.group(1).isBlank()) {
      return new Stat(median, median, median);
    }
    double[] runs = Arrays.stream(m.group(1).split(",")).mapToDouble(r -> Double.parseDouble(r.trim())).toArray();
    return new Stat(median, Arrays.stream(runs).min().orElse(median), Arrays.stream(runs).max().orElse(median));
  }

  /** Seconds the peer spends on each cell: a third warming up, then 8 timed runs. */
  static double cellSeconds(Run run) {
    return Settings.peerSeconds(run.quick() ? 3 : 8);
  }

  /** How the peer was measured, for the report. */
  static String describe(Run run) {
    return String.format(Locale.ROOT, "PyTorch: %.1f s per cell (a third warm-up, then 8 timed runs), its median "
        + "(min–max of the runs); it ran after Lanes, so Lanes/PyTorch is the ratio of the medians.", cellSeconds(run));
  }

  /** Seconds a run of the peer takes: its cells, plus starting Python and importing torch. */
  static double seconds(String python, int invocations, int cells, double secondsPerCell) {
    return python == null || python.isEmpty() ? 0 : invocations * 3.0 + cells * secondsPerCell;
  }

  /** A line for the report when the peer gave nothing: why; else empty. */
  static String note(String python, Map<String, Stat> values) {
    if (python == null || python.isEmpty()) {
      return "\n\nPyTorch not installed: peer skipped.";
    }
    return values.isEmpty() ? "\n\nThe PyTorch peer gave no results (see the log above the report)." : "";
  }
}
