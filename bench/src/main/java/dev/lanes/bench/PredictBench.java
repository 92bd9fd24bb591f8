package dev.lanes.bench;

import dev.lanes.kernel.Activation;
import dev.lanes.nn.Loss;
import dev.lanes.nn.Network;
import dev.lanes.nn.Predictor;
import java.util.ArrayList;
import java.util.List;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * Inference with {@link Predictor} on 784-256-128-10 (ReLU, softmax cross-entropy, seeded weights),
 * rows random in [0, 1), fixed. {@code latency}: one thread, µs per call of the allocation-free
 * {@code predictBatch} at batch 1 and 64; {@code row}: the allocating {@code predict(row)}, so the
 * GC profiler shows what its result array costs; {@code twoThreads}: calls per second of two
 * threads that share one predictor, each with its own rows and outputs (samples/s = batch × ops/s).
 * With a PyTorch peer, each iteration is followed by bursts of the same inference in PyTorch.
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

  /**
   * The PyTorch peers ({@link PeerBursts}) of the running benchmark, held by its first thread: after
   * each iteration, a burst of each, as long as a measured iteration. latency and row: one caller;
   * twoThreads: two callers, and one caller on two intra-op threads. Thread-scoped: JMH runs a shared
   * state's iteration teardown on one thread while the others spin, which would take a core from
   * the peer; here the other thread has finished its iteration and sleeps.
   */
  @State(Scope.Thread)
  public static class Peers {
    private final List<PeerBursts> peers = new ArrayList<>();

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params, ThreadParams thread) {
      if (thread.getThreadIndex() != 0) {
        return;
      }
      String bench = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
      String batch = params.getParam("batch") == null ? "1" : params.getParam("batch");
      if (bench.equals("twoThreads")) {
        peer(bench, "callers2", 1, batch);
        peer(bench, "intra2", 2, batch);
      } else {
        peer(bench, "single", 1, batch);
      }
    }

    private void peer(String bench, String peerCase, int threads, String batch) {
      PeerBursts p = PeerBursts.start("torch_predict.py", threads, peerCase + " " + batch,
          "\"bench\": \"" + bench + "\", \"case\": \"" + peerCase + "\", \"batch\": " + batch);
      if (p != null) {
        peers.add(p);
      }
    }

    /** PyTorch's twins of the iteration that just ended (JMH's clock has stopped). */
    @TearDown(Level.Iteration)
    public void bursts(BenchmarkParams params, IterationParams iteration) {
      for (PeerBursts p : peers) {
        p.burst(params, iteration);
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      peers.forEach(PeerBursts::close);
      peers.clear();
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
  public float[] latency(Model m, Rows r, Peers p) {
    m.predictor.predictBatch(r.x, 0, r.batch, r.out, 0);
    return r.out;
  }

  @Benchmark
  public float[] row(Model m, Row r, Peers p) {
    return m.predictor.predict(r.x);
  }

  @Benchmark
  @Threads(2)
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  public float[] twoThreads(Model m, Rows r, Peers p) {
    m.predictor.predictBatch(r.x, 0, r.batch, r.out, 0);
    return r.out;
  }
}
