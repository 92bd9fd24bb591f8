package dev.lanes.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lanes.kernel.Activation;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Small problems that a working trainer must learn, and reproducibility of a seeded run. */
class LearningTest {

  @Test
  void xorIsLearned() {
    float[] x = {0, 0, 0, 1, 1, 0, 1, 1};
    Dataset xor = Dataset.classification(x, 4, 2, new int[] {0, 1, 1, 0}, 2);
    Network net = Network.builder(2).dense(8, Activation.TANH).dense(2).loss(Loss.SOFTMAX_CROSS_ENTROPY).build(1);
    try (Trainer t = Trainer.builder(net).optimizer(Optimizer.adam(0.05f)).batchSize(4).epochs(300).build()) {
      t.fit(xor, null);
      float[] lossAccuracy = t.evaluate(xor);
      assertTrue(lossAccuracy[1] == 1f && lossAccuracy[0] < 0.05f, "XOR: loss " + lossAccuracy[0] + ", accuracy " + lossAccuracy[1]);
    }
  }

  /** Three Gaussian blobs in 4 dimensions. */
  static Dataset blobs(int rows, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    float[] x = new float[rows * 4];
    int[] y = new int[rows];
    for (int i = 0; i < rows; i++) {
      y[i] = rnd.nextInt(3);
      for (int j = 0; j < 4; j++) {
        x[i * 4 + j] = (float) (rnd.nextGaussian() * 0.7 + (j == y[i] ? 2 : 0));
      }
    }
    return Dataset.classification(x, rows, 4, y, 3);
  }

  @Test
  void blobsAreSeparatedWithEveryOptimizer() {
    Dataset[] split = blobs(1200, 3).split(0.8, 4);
    for (Optimizer opt : new Optimizer[] {Optimizer.sgd(0.1f), Optimizer.momentum(0.05f, 0.9f, true),
        Optimizer.adam(0.01f), Optimizer.adamW(0.01f)}) {
      Network net = Network.builder(4).dense(16, Activation.RELU).dropout(0.1f).dense(3)
          .loss(Loss.SOFTMAX_CROSS_ENTROPY).build(2);
      try (Trainer t = Trainer.builder(net).optimizer(opt).batchSize(50).epochs(15).seed(9)
          .schedule(Schedule.warmup(20, Schedule.cosine(0.1f))).clipNorm(5f).build()) {
        List<EpochResult> h = t.fit(split[0], split[1]);
        EpochResult last = h.get(h.size() - 1);
        assertTrue(last.validationAccuracy() > 0.93f, opt + ": " + last);
        assertTrue(last.trainLoss() < h.get(0).trainLoss(), opt + ": loss fell");
      }
    }
  }

  @Test
  void regressionWithMseAndTanhConverges() {
    SplittableRandom rnd = new SplittableRandom(8);
    int rows = 500;
    float[] x = new float[rows * 3];
    float[] y = new float[rows];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < 3; j++) {
        x[i * 3 + j] = (float) rnd.nextDouble(-1, 1);
      }
      y[i] = (float) Math.sin(2 * x[i * 3]) * x[i * 3 + 1] + 0.5f * x[i * 3 + 2];
    }
    Dataset data = Dataset.regression(x, rows, 3, y, 1);
    Network net = Network.builder(3).dense(32, Activation.TANH).dense(32, Activation.TANH).dense(1)
        .loss(Loss.MEAN_SQUARED_ERROR).build(4);
    try (Trainer t = Trainer.builder(net).optimizer(Optimizer.adam(0.01f)).batchSize(32).epochs(60).build()) {
      float before = t.evaluate(data)[0];
      t.fit(data, null);
      float after = t.evaluate(data)[0];
      assertTrue(after < 0.01f && after < before / 10, "MSE " + before + " → " + after);
    }
  }

  @Test
  void aSeededRunIsReproducible() {
    float[][] weights = new float[2][];
    for (int run = 0; run < 2; run++) {
      Network net = Network.builder(4).dense(16, Activation.GELU).dropout(0.2f).dense(3)
          .loss(Loss.SOFTMAX_CROSS_ENTROPY).build(11);
      try (Trainer t = Trainer.builder(net).batchSize(64).epochs(3).seed(12).build()) {
        t.fit(blobs(300, 5), null);
      }
      weights[run] = net.parameters().clone();
    }
    assertArrayEquals(weights[0], weights[1]);
  }
}
