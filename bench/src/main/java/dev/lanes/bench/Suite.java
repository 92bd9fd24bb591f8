package dev.lanes.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.RunnerException;

/**
 * One benchmark suite (gemm, loops, train, predict): the JMH runs a {@link Run} asks for (the
 * PyTorch peers run inside them), then one {@link Section}. Its own main and {@link Report} both
 * run it through {@link #run}.
 */
interface Suite {
  String name();

  /** The JMH runs, in order. */
  List<JmhRun> plan(Run run);

  /** True if the suite compares with a PyTorch peer. */
  default boolean hasPeer() {
    return false;
  }

  /** Estimated seconds the peer adds to the JMH runs; 0 without one. */
  double peerSeconds(Run run);

  /** Turns the JMH results (one collection per planned run) and the peer's into a section. */
  Section section(Run run, List<Collection<RunResult>> results) throws IOException;

  default Section run(Run run) throws RunnerException, IOException {
    List<Collection<RunResult>> results = new ArrayList<>();
    for (JmhRun jmh : plan(run)) {
      results.add(jmh.run(run.dir()));
    }
    return section(run, results);
  }

  /** Estimated wall time of {@link #run}. */
  default double seconds(Run run) {
    return plan(run).stream().mapToDouble(JmhRun::seconds).sum() + peerSeconds(run);
  }
}
