package dev.lanes.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lanes.kernel.Activation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The bar: a 784-256-128-10 ReLU network with Adam (lr 1e-3), batch 128, 10 epochs on
 * Fashion-MNIST reaches at least 88% accuracy on the 10 000 test images. Needs Debian's
 * dataset-fashion-mnist, which scripts/test installs; skips with that advice where it is missing.
 */
class FashionMnistTest {
  static final Path DIR = Path.of(System.getenv().getOrDefault("LANES_FASHION_MNIST", "/usr/share/datasets/fashion-mnist"));

  static Dataset load(String part) throws IOException {
    return Idx.load(DIR.resolve(part + "-images-idx3-ubyte.gz"), DIR.resolve(part + "-labels-idx1-ubyte.gz"), 10);
  }

  @Test
  void reaches88PercentTestAccuracyIn10Epochs() throws IOException {
    assumeTrue(Files.isRegularFile(DIR.resolve("train-images-idx3-ubyte.gz")),
        "Fashion-MNIST is not installed: sudo apt-get install dataset-fashion-mnist (scripts/test does this)");
    Dataset train = load("train");
    Dataset test = load("t10k");
    assertEquals(60000, train.rows());
    assertEquals(10000, test.rows());
    Network net = Network.builder(784).dense(256, Activation.RELU).dense(128, Activation.RELU).dense(10)
        .loss(Loss.SOFTMAX_CROSS_ENTROPY).build(2026);
    try (Trainer t = Trainer.builder(net).optimizer(Optimizer.adam(1e-3f)).batchSize(128).epochs(10)
        .seed(1).threads(Runtime.getRuntime().availableProcessors()).build()) {
      List<EpochResult> h = t.fit(train, test);
      float accuracy = h.get(h.size() - 1).validationAccuracy();
      assertTrue(accuracy >= 0.88f, "test accuracy after 10 epochs: " + accuracy + "; per epoch: " + h);
    }
  }
}
