package dev.lanes.cli;

import dev.lanes.kernel.Activation;
import dev.lanes.nn.Dataset;
import dev.lanes.nn.EpochResult;
import dev.lanes.nn.Idx;
import dev.lanes.nn.Loss;
import dev.lanes.nn.Network;
import dev.lanes.nn.Optimizer;
import dev.lanes.nn.Trainer;
import dev.lanes.nn.TrainingListener;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The main job until the {@code lanes} command lands: trains 784-256-128-10 (ReLU, Adam 1e-3, batch
 * 128) on Fashion-MNIST and prints each epoch's metrics.
 *
 * <p>Usage: {@code TrainFashionMnist [epochs] [threads] [data dir]}
 */
public final class TrainFashionMnist {
  private TrainFashionMnist() {}

  public static void main(String[] args) throws IOException {
    int epochs = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    int threads = args.length > 1 ? Integer.parseInt(args[1]) : Runtime.getRuntime().availableProcessors();
    Path dir = Path.of(args.length > 2 ? args[2] : "/usr/share/datasets/fashion-mnist");
    Dataset train = Idx.load(dir.resolve("train-images-idx3-ubyte.gz"), dir.resolve("train-labels-idx1-ubyte.gz"), 10);
    Dataset test = Idx.load(dir.resolve("t10k-images-idx3-ubyte.gz"), dir.resolve("t10k-labels-idx1-ubyte.gz"), 10);
    Network net = Network.builder(784).dense(256, Activation.RELU).dense(128, Activation.RELU).dense(10)
        .loss(Loss.SOFTMAX_CROSS_ENTROPY).build(2026);
    System.out.printf(Locale.ROOT, "%s, %d training and %d test images, %d threads%n", net, train.rows(),
        test.rows(), threads);
    TrainingListener print = new TrainingListener() {
      @Override
      public boolean onEpoch(EpochResult r) {
        System.out.printf(Locale.ROOT, "epoch %2d  train loss %.4f  test loss %.4f  test accuracy %.2f%%  %.1f s  (%.0f samples/s)%n",
            r.epoch() + 1, r.trainLoss(), r.validationLoss(), 100 * r.validationAccuracy(), r.seconds(),
            train.rows() / r.seconds());
        return true;
      }
    };
    try (Trainer trainer = Trainer.builder(net).optimizer(Optimizer.adam(1e-3f)).batchSize(128).epochs(epochs)
        .seed(1).threads(threads).listener(print).build()) {
      trainer.fit(train, test);
    }
  }
}
