package dev.lanes.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import org.openjdk.jmh.runner.RunnerException;

/**
 * The whole performance story in one run and one folder: this machine's limits (FMA peak, STREAM
 * copy), then each selected suite (gemm, loops, train, predict) with its peer right after, then
 * {@code report.md} (the machine, the settings, one table per suite) with PNG charts beside it.
 * Quick runs a representative subset of each suite's cells at the suite's quick settings (about
 * 10 minutes on 2 cores); full runs every cell at the suites' full settings.
 *
 * <p>Usage: {@code Report [quick|full] [SUITE_REGEX]}; SUITE_REGEX matches whole suite names
 * (default: all); {@code $LANES_PYTHON} is the Python with PyTorch for the peers (empty: skipped).
 */
public final class Report {
  private static final String USAGE = "Report [quick|full] [SUITE_REGEX]";
  private static final List<Suite> SUITES =
      List.of(GemmSummary.SUITE, LoopSummary.SUITE, TrainSummary.SUITE, PredictSummary.SUITE);

  private Report() {}

  public static void main(String[] args) throws RunnerException, IOException {
    Run start = Run.start(args, USAGE);
    String which = start.filter() == null ? ".*" : start.filter();
    List<Suite> suites = SUITES.stream().filter(s -> s.name().matches(which)).toList();
    if (suites.isEmpty()) {
      System.err.println("no suite matches '" + which + "' (gemm, loops, train, predict); usage: " + USAGE);
      System.exit(2);
    }
    Run pending = new Run(start.quick(), start.quick(), start.dir(), Limits.PENDING, start.python(), null);
    double estimate = Limits.plan(pending).seconds() + suites.stream().mapToDouble(s -> s.seconds(pending)).sum();
    String names = String.join(", ", suites.stream().map(Suite::name).toList());
    System.err.println("lanes: report " + start.mode() + " (" + names + "): " + Run.minutes(estimate) + "; results in "
        + start.dir());
    long t0 = System.nanoTime();

    Limits limits = Limits.measure(pending);
    Run run = new Run(start.quick(), start.quick(), start.dir(), limits, start.python(), null);
    StringBuilder body = new StringBuilder(limits.section(run).markdown(run.dir()));
    String header = header(run, names, estimate, suites.stream().anyMatch(Suite::hasPeer));
    write(run, header, body, t0, " so far");
    for (Suite suite : suites) {
      body.append('\n').append(suite.run(run).markdown(run.dir()));
      write(run, header, body, t0, suite == suites.get(suites.size() - 1) ? "" : " so far");
    }
    System.out.println();
    System.out.println(Files.readString(run.dir().resolve("report.md")));
    System.out.println("report, raw JMH JSON, peer results and charts: " + run.dir());
  }

  /** Writes report.md as it stands, so that a run cut short still leaves the suites done so far. */
  private static void write(Run run, String header, StringBuilder body, long t0, String soFar) throws IOException {
    String took = String.format(Locale.ROOT, "Took %.1f minutes%s.%n%n", (System.nanoTime() - t0) / 60e9, soFar);
    Files.writeString(run.dir().resolve("report.md"), header + took + body, StandardCharsets.UTF_8);
  }

  private static String header(Run run, String suites, double estimate, boolean peers) {
    String jvmFlags = String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments());
    return "# Lanes benchmarks, " + run.mode() + "\n\n"
        + Machine.describe() + "\n\n"
        + "Date: " + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm")) + " (local time). "
        + "Mode: " + run.mode() + (run.quick() ? " (a representative subset of each suite's cells, at the suite's "
        + "quick settings; each section says which)" : " (every cell, at each suite's full settings)")
        + "; suites: " + suites + ". Estimated " + Run.minutes(estimate) + ".\n\n"
        + "JVM: " + System.getProperty("java.home") + ", flags: " + (jvmFlags.isEmpty() ? "none" : jvmFlags)
        + "; JMH forks run the same JDK with these flags and --add-modules jdk.incubator.vector.\n\n"
        + (!peers ? "" : "PyTorch peer: " + (run.python().isEmpty() ? "not installed (peers skipped)" : run.python())
        + ".\n\n");
  }
}
