package dev.lanes.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lanes.kernel.Activation;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Bad input, bad numbers, listeners and the architecture checks. */
class TrainerTest {

  @Test
  void aNaNLossStopsTrainingNamingTheStepAndKeepsTheLastGoodWeights() {
    Dataset data = LearningTest.blobs(200, 1);
    data.x[150 * 4 + 2] = Float.NaN; // row 150: reached in the first epoch, at a seeded position
    Network net = Network.builder(4).dense(8, Activation.RELU).dense(3).loss(Loss.SOFTMAX_CROSS_ENTROPY).build(1);
    List<float[]> snapshots = new ArrayList<>();
    TrainingListener keep = new TrainingListener() {
      @Override
      public boolean onStep(int epoch, long step, float loss) {
        snapshots.add(net.parameters().clone());
        return true;
      }
    };
    try (Trainer t = Trainer.builder(net).batchSize(10).epochs(1).listener(keep).build()) {
      TrainingException e = assertThrows(TrainingException.class, () -> t.fit(data, null));
      assertEquals("loss", e.tensor());
      assertEquals(snapshots.size(), e.step(), "steps before the bad one all completed");
      assertTrue(e.getMessage().contains("step " + e.step()), e.getMessage());
      assertArrayEquals(snapshots.get(snapshots.size() - 1), net.parameters(), "weights of the last good step");
    }
  }

  @Test
  void aNaNGradientUnderAFiniteLossNamesTheLayerAndTensor() {
    Dataset data = LearningTest.blobs(20, 2);
    Network net = Network.builder(4).dense(8, Activation.TANH).dense(3).loss(Loss.SOFTMAX_CROSS_ENTROPY).build(1);
    // tanh saturates, so the forward and the loss stay finite; dW = dZᵀ·X meets 0·Inf = NaN
    data.x[5] = Float.POSITIVE_INFINITY;
    float[] before = net.parameters().clone();
    try (Trainer t = Trainer.builder(net).batchSize(20).epochs(1).build()) {
      TrainingException e = assertThrows(TrainingException.class, () -> t.fit(data, null));
      assertEquals(0, e.step());
      assertTrue(e.tensor().startsWith("layers.0."), e.tensor());
      assertArrayEquals(before, net.parameters());
    }
  }

  @Test
  void listenersSeeEveryStepAndCanStop() {
    Dataset data = LearningTest.blobs(105, 3); // 105 = 10 batches of 10 + 5: the last is kept
    Network net = Network.builder(4).dense(3).loss(Loss.SOFTMAX_CROSS_ENTROPY).build(1);
    List<Long> steps = new ArrayList<>();
    TrainingListener count = new TrainingListener() {
      @Override
      public boolean onStep(int epoch, long step, float loss) {
        steps.add(step);
        return step < 13; // stop within the second epoch
      }
    };
    try (Trainer t = Trainer.builder(net).batchSize(10).epochs(5).listener(count).build()) {
      List<EpochResult> h = t.fit(data, null);
      assertEquals(2, h.size());
      assertEquals(11, h.get(0).steps(), "11 steps per epoch: the partial batch is not dropped");
      assertEquals(14, steps.size());
    }
  }

  @Test
  void earlyStoppingStopsWhenValidationLossStalls() {
    Dataset data = LearningTest.blobs(100, 4);
    Network net = Network.builder(4).dense(3).loss(Loss.SOFTMAX_CROSS_ENTROPY).build(1);
    // learning rate so small that validation loss cannot improve measurably for long
    try (Trainer t = Trainer.builder(net).optimizer(Optimizer.sgd(1e-30f)).batchSize(50).epochs(50)
        .listener(TrainingListener.earlyStopping(3)).build()) {
      assertTrue(t.fit(data, data).size() <= 5);
    }
  }

  @Test
  void aStepOnConsecutiveRowsReadsThemInPlaceWithTheBitsOfACopy() {
    Dataset data = LearningTest.blobs(40, 1);
    int start = 7, m = 16;
    Dataset copy = Dataset.classification(java.util.Arrays.copyOfRange(data.x, start * 4, (start + m) * 4), m, 4,
        java.util.Arrays.copyOfRange(data.labels, start, start + m), 3);
    float[][] trained = new float[2][];
    for (int run = 0; run < 2; run++) {
      Network net = Network.builder(4).dense(8, Activation.TANH).dense(3).loss(Loss.SOFTMAX_CROSS_ENTROPY).build(1);
      try (Trainer t = Trainer.builder(net).optimizer(Optimizer.adam(1e-2f)).batchSize(m).build()) {
        for (int i = 0; i < 3; i++) {
          float loss = run == 0 ? t.step(data, start, m) : t.step(copy, 0, m);
          assertTrue(Float.isFinite(loss));
        }
      }
      trained[run] = net.parameters();
    }
    assertArrayEquals(trained[1], trained[0]);
  }

  @Test
  void mismatchedDataIsRejectedWithTheSizes() {
    Network net = Network.builder(5).dense(3).loss(Loss.SOFTMAX_CROSS_ENTROPY).build(1);
    try (Trainer t = Trainer.builder(net).build()) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> t.fit(LearningTest.blobs(10, 1), null));
      assertTrue(e.getMessage().contains("4 features") && e.getMessage().contains("takes 5"), e.getMessage());
    }
  }

  @Test
  void architectureErrorsNameTheLayer() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Network.builder(4)
        .dense(8, Activation.RELU).dense(0).loss(Loss.MEAN_SQUARED_ERROR).build(1));
    assertTrue(e.getMessage().contains("layer 1") && e.getMessage().contains("width 0"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Network.builder(4)
        .dense(3, Activation.SIGMOID).loss(Loss.BINARY_CROSS_ENTROPY).build(1));
    assertTrue(e.getMessage().contains("no activation"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Network.builder(4)
        .dense(8).dropout(1.5f).dense(2).loss(Loss.SOFTMAX_CROSS_ENTROPY).build(1));
    assertTrue(e.getMessage().contains("layer 1") && e.getMessage().contains("1.5"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Network.builder(4).dense(1).loss(Loss.SOFTMAX_CROSS_ENTROPY).build(1));
    assertTrue(e.getMessage().contains(">= 2 outputs"), e.getMessage());
    assertEquals("4 → dense(8, relu) → dropout(0.5) → dense(2, identity) | softmax_cross_entropy",
        Network.builder(4).dense(8, Activation.RELU).dropout(0.5f).dense(2).loss(Loss.SOFTMAX_CROSS_ENTROPY)
            .build(1).toString());
  }
}
