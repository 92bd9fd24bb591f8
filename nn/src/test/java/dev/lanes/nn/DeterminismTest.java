package dev.lanes.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.lanes.kernel.Activation;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The trained weights are the same bits on 1, 2, 3 and 8 threads: layers large enough that every
 * product is split across the workers, batches whose shuffled rows are copied by two workers, a
 * last partial batch, dropout and a schedule. The epochs' training loss too (the loss of a batch is
 * split in chunks across workers).
 */
class DeterminismTest {

  @Test
  void trainedWeightsAreBitIdenticalOnAnyNumberOfThreads() {
    SplittableRandom rnd = new SplittableRandom(21);
    int rows = 300, features = 300; // 300 = 4 batches of 64 + 44; 64·300 floats: 2 workers copy them
    float[] x = new float[rows * features];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) rnd.nextGaussian();
    }
    Dataset data = Dataset.classification(x, rows, features, rnd.ints(rows, 0, 10).toArray(), 10);
    float[] reference = null;
    float[] referenceLosses = null;
    for (int threads : new int[] {1, 2, 3, 8}) {
      Network net = Network.builder(features).dense(128, Activation.RELU).dropout(0.25f)
          .dense(64, Activation.GELU).dense(10).loss(Loss.SOFTMAX_CROSS_ENTROPY).build(7);
      float[] initial = net.parameters().clone();
      float[] losses = new float[2];
      try (Trainer t = Trainer.builder(net).optimizer(Optimizer.adamW(1e-3f)).batchSize(64).epochs(2)
          .seed(3).threads(threads).schedule(Schedule.cosine(0f)).build()) {
        List<EpochResult> history = t.fit(data, null);
        for (int e = 0; e < 2; e++) {
          losses[e] = history.get(e).trainLoss();
        }
      }
      assertFalse(java.util.Arrays.equals(initial, net.parameters()), "training changed the weights");
      if (reference == null) {
        reference = net.parameters().clone();
        referenceLosses = losses;
      } else {
        assertArrayEquals(reference, net.parameters(), threads + " threads vs 1");
        assertArrayEquals(referenceLosses, losses, threads + " threads vs 1: the epochs' training loss");
      }
    }
  }
}
