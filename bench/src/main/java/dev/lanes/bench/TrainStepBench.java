package dev.lanes.bench;

import dev.lanes.kernel.Activation;
import dev.lanes.nn.Dataset;
import dev.lanes.nn.Loss;
import dev.lanes.nn.Network;
import dev.lanes.nn.Optimizer;
import dev.lanes.kernel.WorkerPool;
import dev.lanes.nn.Trainer;
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
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;

/**
 * One full training step (forward, loss, backward, optimizer update) of the networks:
 * {@code mnist-B-OPT}: 784-256-128-10 ReLU, softmax cross-entropy, batch B; {@code wide-256-sgd}:
 * 784-1024-1024-10 ReLU at batch 256; {@code tiny-64-sgd}: 64-64-64-1 tanh with MSE at batch 64.
 * Time per step; samples/s = batch / time. Data are random, fixed; the same rows every step.
 * {@link ThreadBytes} counts the bytes that the step's own threads allocate. With a PyTorch peer
 * ({@link PeerBursts}), each iteration is followed by a burst of the same steps in PyTorch, as long
 * as a measured iteration, on the same number of threads.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 8, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class TrainStepBench {

  /** The batch size of a model name. */
  static int batchOf(String model) {
    return Integer.parseInt(model.split("-")[1]);
  }

  /** Layer widths, input first: mnist 784-256-128-10, wide 784-1024-1024-10, tiny 64-64-64-1. */
  static int[] widths(String kind) {
    return switch (kind) {
      case "mnist" -> new int[] {784, 256, 128, 10};
      case "wide" -> new int[] {784, 1024, 1024, 10};
      default -> new int[] {64, 64, 64, 1};
    };
  }

  /** Flops of the products of one forward pass per sample: Σ 2·in·out. */
  static double forwardFlops(int[] widths) {
    double flops = 0;
    for (int i = 0; i + 1 < widths.length; i++) {
      flops += 2.0 * widths[i] * widths[i + 1];
    }
    return flops;
  }

  /**
   * Flops of the products of one training step per sample: forward, dW, and dX of every layer but
   * the first (the input needs no gradient); elementwise work and the update not counted.
   */
  static double stepFlops(String model) {
    int[] w = widths(model.split("-")[0]);
    return 3 * forwardFlops(w) - 2.0 * w[0] * w[1];
  }

  /** A trainer of one model on one thread count, set up once per trial. */
  @State(Scope.Thread)
  public static class Model {
    @Param({"mnist-32-sgd", "mnist-32-adam", "mnist-128-sgd", "mnist-128-adam", "mnist-512-sgd", "mnist-512-adam",
        "wide-256-sgd", "tiny-64-sgd"})
    public String model;

    @Param({"1", "2"})
    public int threads;

    private Trainer trainer;
    private WorkerPool pool;
    private Dataset data;
    private int batch;
    private PeerBursts peer;
    /** The threads that run the steps: JMH's and the pool's workers. */
    private final LanesThreads lanesThreads = new LanesThreads();

    @Setup(Level.Trial)
    public void setUp() {
      String[] parts = model.split("-");
      batch = Integer.parseInt(parts[1]);
      Optimizer opt = parts[2].equals("adam") ? Optimizer.adam(1e-3f) : Optimizer.sgd(1e-3f);
      SplittableRandom rnd = new SplittableRandom(42);
      int[] w = widths(parts[0]);
      boolean tiny = parts[0].equals("tiny");
      Activation act = tiny ? Activation.TANH : Activation.RELU;
      Network net = Network.builder(w[0]).dense(w[1], act).dense(w[2], act).dense(w[3])
          .loss(tiny ? Loss.MEAN_SQUARED_ERROR : Loss.SOFTMAX_CROSS_ENTROPY).build(1);
      float[] x = LoopBench.random(rnd, batch * net.inputs());
      if (net.loss().usesLabels()) {
        data = Dataset.classification(x, batch, net.inputs(), rnd.ints(batch, 0, net.outputs()).toArray(), net.outputs());
      } else {
        data = Dataset.regression(x, batch, net.inputs(), LoopBench.random(rnd, batch), 1);
      }
      Trainer.Builder builder = Trainer.builder(net).optimizer(opt).batchSize(batch);
      if (threads > 1) {
        pool = lanesThreads.pool(threads);
        builder.pool(pool);
      }
      trainer = builder.build();
      // Python imports torch while the warm steps run
      peer = PeerBursts.start("torch_train_step.py", threads, model + " " + threads,
          "\"model\": \"" + model + "\", \"threads\": " + threads);
      // A step of the wide model takes ~40 ms, so its methods reach C2 only after a few hundred
      // steps, some past JMH's warm-up; until then the vector code runs in C1 and allocates boxes.
      for (int i = 0; i < WARM_STEPS; i++) {
        trainer.step(data, 0, batch);
      }
    }

    /** Steps run before JMH's warm-up, so slow models are compiled by C2 when it starts. */
    private static final int WARM_STEPS = 400;

    /**
     * PyTorch's twin of the iteration that just ended: JMH's clock has stopped and the pool's
     * workers park after a brief spin, so the peer has the cores. Warm-up iterations warm it up.
     */
    @TearDown(Level.Iteration)
    public void peerBurst(BenchmarkParams params, IterationParams iteration) {
      if (peer != null) {
        peer.burst(params, iteration);
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      trainer.close();
      if (pool != null) {
        pool.close();
      }
      if (peer != null) {
        peer.close();
      }
    }
  }

  @Benchmark
  public float step(Model model, ThreadBytes counted) {
    counted.beforeCall(model.lanesThreads);
    float loss = model.trainer.step(model.data, 0, model.batch);
    counted.afterCall();
    return loss;
  }
}
