package dev.lanes.bench;

import dev.lanes.kernel.Activation;
import dev.lanes.nn.Dataset;
import dev.lanes.nn.Loss;
import dev.lanes.nn.Network;
import dev.lanes.nn.Optimizer;
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

/**
 * One full training step (forward, loss, backward, optimizer update) of the networks:
 * {@code mnist-B-OPT}: 784-256-128-10 ReLU, softmax cross-entropy, batch B; {@code wide-256-sgd}:
 * 784-1024-1024-10 ReLU at batch 256; {@code tiny-64-sgd}: 64-64-64-1 tanh with MSE at batch 64.
 * Time per step; samples/s = batch / time. Data are random, fixed; the same rows every step.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 8, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class TrainStepBench {

  @Param({"mnist-32-sgd", "mnist-32-adam", "mnist-128-sgd", "mnist-128-adam", "mnist-512-sgd", "mnist-512-adam",
      "wide-256-sgd", "tiny-64-sgd"})
  public String model;

  @Param({"1", "2"})
  public int threads;

  private Trainer trainer;
  private Dataset data;
  private int batch;

  /** The batch size of a model name. */
  static int batchOf(String model) {
    return Integer.parseInt(model.split("-")[1]);
  }

  @Setup(Level.Trial)
  public void setUp() {
    String[] parts = model.split("-");
    batch = Integer.parseInt(parts[1]);
    Optimizer opt = parts[2].equals("adam") ? Optimizer.adam(1e-3f) : Optimizer.sgd(1e-3f);
    Network net;
    SplittableRandom rnd = new SplittableRandom(42);
    switch (parts[0]) {
      case "mnist" -> net = Network.builder(784).dense(256, Activation.RELU).dense(128, Activation.RELU).dense(10)
          .loss(Loss.SOFTMAX_CROSS_ENTROPY).build(1);
      case "wide" -> net = Network.builder(784).dense(1024, Activation.RELU).dense(1024, Activation.RELU).dense(10)
          .loss(Loss.SOFTMAX_CROSS_ENTROPY).build(1);
      default -> net = Network.builder(64).dense(64, Activation.TANH).dense(64, Activation.TANH).dense(1)
          .loss(Loss.MEAN_SQUARED_ERROR).build(1);
    }
    float[] x = LoopBench.random(rnd, batch * net.inputs());
    if (net.loss().usesLabels()) {
      data = Dataset.classification(x, batch, net.inputs(), rnd.ints(batch, 0, net.outputs()).toArray(), net.outputs());
    } else {
      data = Dataset.regression(x, batch, net.inputs(), LoopBench.random(rnd, batch), 1);
    }
    trainer = Trainer.builder(net).optimizer(opt).batchSize(batch).threads(threads).build();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    trainer.close();
  }

  @Benchmark
  public float step() {
    return trainer.step(data, 0, batch);
  }
}
