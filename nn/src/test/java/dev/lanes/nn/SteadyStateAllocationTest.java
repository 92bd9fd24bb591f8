package dev.lanes.nn;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lanes.kernel.Activation;
import dev.lanes.kernel.WorkerPool;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A training step allocates nothing once compiled, on the caller and on the pool's workers: rounds
 * of steps until one allocates under 1 KiB in all. Until C2 has compiled the loops a vector may be
 * boxed, so early rounds may allocate; a steady allocation per step (a vector that escapes, a
 * nullable vector that C2 must box) never gets under the bound, and fails the test.
 */
class SteadyStateAllocationTest {
  private static final int STEPS = 2000, MAX_ROUNDS = 40, BATCH = 24;

  /** Tails everywhere: widths off the vector length, a 10-wide and a 1-wide output, dropout. */
  static Stream<Supplier<Network>> networks() {
    return Stream.of(
        () -> Network.builder(20).dense(48, Activation.RELU).dropout(0.25f).dense(17, Activation.TANH)
            .dense(10).loss(Loss.SOFTMAX_CROSS_ENTROPY).build(3),
        () -> Network.builder(12).dense(16, Activation.SIGMOID).dense(1).loss(Loss.MEAN_SQUARED_ERROR).build(4),
        () -> Network.builder(12).dense(40, Activation.leakyRelu(0.01f)).dense(1)
            .loss(Loss.BINARY_CROSS_ENTROPY).build(5));
  }

  @ParameterizedTest
  @MethodSource("networks")
  void aStepAllocatesNothingOnOneOrTwoThreads(Supplier<Network> make) {
    for (int threads : new int[] {1, 2}) {
      Network net = make.get();
      Dataset data = data(net, 3 * BATCH);
      try (WorkerPool pool = new WorkerPool(threads);
           Trainer t = Trainer.builder(net).optimizer(Optimizer.adam(1e-3f)).batchSize(BATCH).pool(pool).build()) {
        long[] ids = stepThreads();
        long least = Long.MAX_VALUE;
        for (int round = 0; round < MAX_ROUNDS && least >= 1024; round++) {
          long before = allocated(ids);
          for (int s = 0; s < STEPS; s++) {
            t.step(data, s % 3 * BATCH, BATCH);
          }
          least = Math.min(least, allocated(ids) - before);
        }
        assertTrue(least < 1024, net + " on " + threads + " threads: the least a round of " + STEPS
            + " steps allocated in " + MAX_ROUNDS + " rounds was " + least + " bytes");
      }
    }
  }

  private static Dataset data(Network net, int rows) {
    SplittableRandom rnd = new SplittableRandom(11);
    float[] x = new float[rows * net.inputs()];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) rnd.nextGaussian();
    }
    if (net.loss().usesLabels()) {
      return Dataset.classification(x, rows, net.inputs(), rnd.ints(rows, 0, net.outputs()).toArray(), net.outputs());
    }
    float[] y = new float[rows * net.outputs()];
    for (int i = 0; i < y.length; i++) {
      y[i] = rnd.nextInt(2);
    }
    return Dataset.regression(x, rows, net.inputs(), y, net.outputs());
  }

  /** This thread and the pool's workers (listing them allocates: done once, before measuring). */
  private static long[] stepThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(th -> th == Thread.currentThread() || th.getName().startsWith("lanes-worker"))
        .mapToLong(Thread::threadId).toArray();
  }

  /** Bytes the threads have allocated so far. */
  private static long allocated(long[] ids) {
    com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    return Arrays.stream(mx.getThreadAllocatedBytes(ids)).sum();
  }
}
