package dev.lanes.bench;

import java.util.List;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;

/**
 * Bytes allocated by the threads that run the calls ({@link LanesThreads}), from the start of an
 * iteration's first call to the end of its last, and the calls made, per iteration. The caller's
 * count is read after every call (a read of its own counter: 16 ns here, 0.4% of the quickest GEMM
 * cell), so JMH's work between the iterations, on the same thread, stays out; the pool's workers
 * run nothing but calls, so theirs is read when the iteration ends. JMH's {@code -prof gc} counts
 * every thread of the JVM, its own included, and spreads that over the iteration's calls: on a slow
 * cell (8 training steps, or four 2048² products, in an iteration) hundreds or thousands of bytes
 * per call that no call allocated.
 *
 * <p>Read per iteration ({@link #perCall}): while the JIT recompiles, one iteration can show a
 * one-off allocation, where an allocation per call shows in every iteration. In a plain loop of
 * 128×256×784 products, 600 B, 64 B and 47 KB were allocated once each, around calls 1 800, 5 400
 * and 6 400, as C2 took over the call's dispatch (a quick run's measured iterations hold those
 * calls), and nothing in the 40 000 calls after.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.EVENTS)
public class ThreadBytes {
  public long threadBytes;
  public long calls;
  private long callerBefore, callerAfter, workersBefore;
  private LanesThreads threads;

  void beforeCall(LanesThreads threads) {
    if (calls++ == 0) {
      this.threads = threads;
      workersBefore = threads.workerBytes();
      callerBefore = threads.callerBytes();
    }
  }

  void afterCall() {
    callerAfter = threads.callerBytes();
  }

  @TearDown(Level.Iteration)
  public void stop() {
    threadBytes = callerAfter - callerBefore + threads.workerBytes() - workersBefore;
  }

  /**
   * Bytes per call of each measured iteration (threadBytes / calls): the median, the steady state,
   * with min–max, as a table prints it; "–" when the run has no such counters.
   */
  static String perCall(RunResult r) {
    List<Double> values = PeerBursts.perIteration(r, it -> {
      Result<?> bytes = it.getSecondaryResults().get("threadBytes"), calls = it.getSecondaryResults().get("calls");
      return bytes == null || calls == null || calls.getScore() == 0 ? null : bytes.getScore() / calls.getScore();
    });
    return values.isEmpty() ? "–" : Stat.of(values).format("%.1f");
  }
}
