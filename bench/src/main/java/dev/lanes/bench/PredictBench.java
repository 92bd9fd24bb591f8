package dev.lanes.bench;

import dev.lanes.kernel.Activation;
import dev.lanes.nn.Loss;
import dev.lanes.nn.Network;
import dev.lanes.nn.Predictor;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Inference with {@link Predictor} on 784-256-128-10 (ReLU, softmax cross-entropy, seeded weights),
 * rows random in [0, 1), fixed. {@code latency}: one thread, µs per call of the allocation-free
 * {@code predictBatch} at batch 1 and 64; {@code row}: the allocating {@code predict(row)}, so the
 * GC profiler shows what its result array costs; {@code twoThreads}: calls per second of two
 * threads that share one predictor, each with its own rows and outputs (samples/s = batch × ops/s).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 8, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class PredictBench {

  /** The one predictor every thread calls. */
  @State(Scope.Benchmark)
  public static class Model {
    Predictor predictor;

    @Setup(Level.Trial)
    public void setUp() {
      int[] w = TrainStepBench.widths("mnist");
      predictor = Predictor.of(Network.builder(w[0]).dense(w[1], Activation.RELU).dense(w[2], Activation.RELU)
          .dense(w[3]).loss(Loss.SOFTMAX_CROSS_ENTROPY).build(1));
    }
  }

  /** One thread's rows and outputs. */
  @State(Scope.Thread)
  public static class Rows {
    @Param({"1", "64"})
    public int batch;

    float[] x;
    float[] out;

    @Setup(Level.Trial)
    public void setUp(Model m) {
      x = random(new SplittableRandom(42), batch * m.predictor.inputs());
      out = new float[batch * m.predictor.outputs()];
    }
  }

  /** One row, for the allocating {@code predict(row)}. */
  @State(Scope.Thread)
  public static class Row {
    float[] x;

    @Setup(Level.Trial)
    public void setUp(Model m) {
      x = random(new SplittableRandom(42), m.predictor.inputs());
    }
  }

  /** Uniform in [0, 1), like scaled pixels. */
  static float[] random(SplittableRandom rnd, int size) {
    float[] v = new float[size];
    for (int i = 0; i < size; i++) {
      v[i] = rnd.nextFloat();
    }
    return v;
  }

  @Benchmark
  public float[] latency(Model m, Rows r) {
    m.predictor.predictBatch(r.x, 0, r.batch, r.out, 0);
    return r.out;
  }

  @Benchmark
  public float[] row(Model m, Row r) {
    return m.predictor.predict(r.x);
  }

  @Benchmark
  @Threads(2)
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  public float[] twoThreads(Model m, Rows r) {
    m.predictor.predictBatch(r.x, 0, r.batch, r.out, 0);
    return r.out;
  }
}
