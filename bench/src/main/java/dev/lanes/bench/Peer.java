package dev.lanes.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs a PyTorch peer script under {@code bench/peers/} and collects the JSON lines it prints. */
final class Peer {
  private Peer() {}

  /**
   * Runs {@code python bench/peers/SCRIPT ARGS...} with OpenBLAS and OpenMP held to {@code threads}
   * (Debian's torch calls a threaded OpenBLAS, which otherwise starts one thread per core on top of
   * torch's own), echoing its lines to stderr as they come; returns them, or null if it could not
   * start.
   */
  static List<String> run(String python, String threads, String script, String... args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(python, "bench/peers/" + script));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
    pb.environment().put("OPENBLAS_NUM_THREADS", threads);
    pb.environment().put("OMP_NUM_THREADS", threads);
    pb.environment().put("OMP_WAIT_POLICY", "PASSIVE"); // spinning OpenMP workers starve OpenBLAS's: 3-7x slower
    Process p;
    try {
      p = pb.start();
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
   * Runs the script once per entry of {@code runs} (each: the thread count, then the script's
   * arguments), writes every line to {@code out}, and returns, for each line {@code cell} matches,
   * group 3 as a number keyed by "group 1|group 2"; stops early (with what it has) if the peer
   * cannot start.
   */
  static Map<String, Double> collect(String python, String script, Pattern cell, Path out, List<List<String>> runs)
      throws IOException, InterruptedException {
    Map<String, Double> values = new LinkedHashMap<>();
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
          values.put(m.group(1) + "|" + m.group(2), Double.parseDouble(m.group(3)));
        }
      }
    }
    Files.write(out, lines, StandardCharsets.UTF_8);
    return values;
  }
}
