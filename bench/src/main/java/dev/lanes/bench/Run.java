package dev.lanes.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import org.openjdk.jmh.runner.RunnerException;

/**
 * What a suite runs with: quick or full; {@code subset}: the representative subset of its cells
 * that {@link Report}'s quick mode runs (a suite run alone runs all of them); the results folder;
 * the machine limits measured earlier in the run ({@link Limits#NONE}: the suite measures what it
 * needs); the Python with PyTorch for the peers ({@code $LANES_PYTHON}, python3 if unset; empty:
 * not installed, peers skipped); the suite's own filter ({@code args[1]}, null if none).
 */
record Run(boolean quick, boolean subset, Path dir, Limits limits, String python, String filter) {

  /**
   * Reads {@code args[0]} (quick, the default, or full), exiting with {@code usage} on anything
   * else, takes {@code args[1]} as the filter, and creates {@code bench/results/<timestamp>/}.
   */
  static Run start(String[] args, String usage) throws IOException {
    String mode = args.length > 0 ? args[0] : "quick";
    if (!mode.equals("quick") && !mode.equals("full")) {
      System.err.println("usage: " + usage);
      System.exit(2);
    }
    Path dir = Path.of("bench", "results",
        LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    Files.createDirectories(dir);
    String python = System.getenv("LANES_PYTHON");
    return new Run(mode.equals("quick"), false, dir, Limits.NONE, python == null ? "python3" : python,
        args.length > 1 && !args[1].isEmpty() ? args[1] : null);
  }

  String mode() {
    return quick ? "quick" : "full";
  }

  /** A suite's own main: runs it, writes {@code NAME.md} (and its chart) and prints the tables. */
  void alone(Suite suite) throws RunnerException, IOException {
    try {
      System.err.println("lanes: " + suite.name() + " " + mode() + ": " + minutes(suite.seconds(this)));
    } catch (IllegalArgumentException e) { // a filter that matches nothing
      System.err.println(e.getMessage());
      System.exit(2);
    }
    String md = Machine.describe() + "\n\n" + suite.run(this).markdown(dir);
    Files.writeString(dir.resolve(suite.name() + ".md"), md, StandardCharsets.UTF_8);
    System.out.println();
    System.out.println(md);
    System.out.println("raw results, tables and chart: " + dir);
  }

  static String minutes(double seconds) {
    long minutes = (long) Math.ceil(seconds / 60);
    return "about " + minutes + (minutes == 1 ? " minute" : " minutes");
  }
}
