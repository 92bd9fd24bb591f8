package dev.lanes.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lanes.kernel.Activation;
import dev.lanes.kernel.WorkerPool;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The predictor: the trainer's forward bits, row by row or batched, from any number of threads at once. */
class PredictorTest {
  @TempDir
  Path dir;

  private static float[] random(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] a = new float[n];
    for (int i = 0; i < a.length; i++) {
      a[i] = (float) r.nextGaussian();
    }
    return a;
  }

  private static Network network(Loss loss, int outputs) {
    return Network.builder(70).dense(96, Activation.GELU).dropout(0.3f).dense(33, Activation.RELU)
        .dense(outputs).loss(loss).build(11);
  }

  /** The forward pass as the trainer runs it: the whole batch at once, on a pool of 3 workers. */
  private static float[] trainerForward(Network net, float[] x, int m) {
    float[] in = x;
    try (WorkerPool pool = new WorkerPool(3)) {
      for (Layer layer : net.layers) {
        if (layer instanceof DenseLayer d) {
          float[] out = new float[m * d.out];
          d.forward(pool, m, net.params, in, 0, d.keepsPreActivation() ? new float[m * d.out] : null, out);
          in = out;
        }
      }
    }
    return in;
  }

  @Test
  void outputsAreTheTrainersForwardBitsBatchedOrNot() {
    Network net = network(Loss.SOFTMAX_CROSS_ENTROPY, 10);
    int m = 150; // blocks of 64, 64 and 22
    float[] x = random(m * 70, 1);
    float[] expected = trainerForward(net, x, m);
    Predictor p = Predictor.of(net);
    assertArrayEquals(expected, p.predictBatch(x, m));
    for (int i = 0; i < m; i++) {
      float[] row = java.util.Arrays.copyOfRange(x, i * 70, (i + 1) * 70);
      assertArrayEquals(java.util.Arrays.copyOfRange(expected, i * 10, (i + 1) * 10), p.predict(row), "row " + i);
    }
    float[] out = new float[5 + 40 * 10];
    p.predictBatch(x, 7 * 70, 40, out, 5); // offsets on both sides
    assertArrayEquals(java.util.Arrays.copyOfRange(expected, 70, 470), java.util.Arrays.copyOfRange(out, 5, 405));
  }

  @Test
  void probabilitiesAndClasses() {
    Network net = network(Loss.SOFTMAX_CROSS_ENTROPY, 10);
    Predictor p = Predictor.of(net);
    float[] x = random(20 * 70, 2);
    float[] logits = p.predictBatch(x, 20);
    float[] probs = new float[200];
    p.probabilitiesBatch(x, 0, 20, probs, 0);
    int[] classes = new int[20];
    p.classifyBatch(x, 0, 20, classes, 0);
    for (int i = 0; i < 20; i++) {
      double sum = 0, max = Double.NEGATIVE_INFINITY;
      int best = 0;
      for (int j = 0; j < 10; j++) {
        sum += probs[i * 10 + j];
        if (logits[i * 10 + j] > max) {
          max = logits[i * 10 + j];
          best = j;
        }
      }
      assertEquals(1, sum, 1e-6);
      assertEquals(best, classes[i]);
      double z = 0; // softmax from its definition, in double
      for (int j = 0; j < 10; j++) {
        z += Math.exp(logits[i * 10 + j] - max);
      }
      assertEquals(Math.exp(logits[i * 10 + 3] - max) / z, probs[i * 10 + 3], 1e-7);
    }
    assertEquals(classes[4], p.classify(java.util.Arrays.copyOfRange(x, 4 * 70, 5 * 70)));

    Predictor binary = Predictor.of(network(Loss.BINARY_CROSS_ENTROPY, 1));
    float[] b = binary.predictBatch(x, 20);
    float[] pb = new float[20];
    binary.probabilitiesBatch(x, 0, 20, pb, 0);
    binary.classifyBatch(x, 0, 20, classes, 0);
    for (int i = 0; i < 20; i++) {
      assertEquals(1 / (1 + Math.exp(-b[i])), pb[i], 1e-6);
      assertEquals(b[i] > 0 ? 1 : 0, classes[i]);
    }
    Predictor regression = Predictor.of(network(Loss.MEAN_SQUARED_ERROR, 2));
    assertThrows(IllegalStateException.class, () -> regression.probabilities(new float[70]));
    assertThrows(IllegalStateException.class, () -> regression.classify(new float[70]));
  }

  @Test
  void badSizesNameTheArrays() {
    Predictor p = Predictor.of(network(Loss.SOFTMAX_CROSS_ENTROPY, 10));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.predict(new float[69]));
    assertTrue(e.getMessage().contains("rows has 69 floats; 1 rows of 70"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> p.predictBatch(new float[140], 0, 2, new float[19], 0));
    assertTrue(e.getMessage().contains("out has 19 floats; 2 rows of 10"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> p.classifyBatch(new float[140], 0, 2, new int[1], 0));
  }

  @Test
  void aPredictorIsASnapshot() throws Exception {
    Network net = network(Loss.SOFTMAX_CROSS_ENTROPY, 10);
    float[] x = random(70, 3);
    Predictor p = Predictor.of(net);
    float[] before = p.predict(x);
    net.parameters()[5] += 1; // training on changes the network, not the predictor
    assertArrayEquals(before, p.predict(x));
    Path f = dir.resolve("m.safetensors");
    ModelFile.save(net, f);
    assertArrayEquals(Predictor.of(net).predict(x), Predictor.load(f).predict(x));
  }

  @Test
  void manyThreadsGetTheSingleThreadedAnswers() throws Exception {
    callers(Executors.newFixedThreadPool(12), 12, 1500);
  }

  @Test
  void virtualThreadsToo() throws Exception {
    callers(Executors.newVirtualThreadPerTaskExecutor(), 200, 50);
  }

  private static void callers(ExecutorService pool, int threads, int calls) throws Exception {
    Network net = network(Loss.SOFTMAX_CROSS_ENTROPY, 10);
    Predictor p = Predictor.of(net);
    int rows = 300;
    float[] x = random(rows * 70, 4);
    float[] expected = p.predictBatch(x, rows);
    try {
      List<Future<Integer>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        long seed = t;
        done.add(pool.submit(() -> {
          SplittableRandom r = new SplittableRandom(seed);
          float[] out = new float[70 * 10];
          int checked = 0;
          for (int call = 0; call < calls; call++) {
            int n = 1 + r.nextInt(call % 10 == 0 ? 70 : 3); // mostly single rows, some multi-block batches
            int first = r.nextInt(rows - n + 1);
            p.predictBatch(x, first * 70, n, out, 0);
            for (int k = 0; k < n * 10; k++) {
              if (Float.floatToRawIntBits(out[k]) != Float.floatToRawIntBits(expected[first * 10 + k])) {
                throw new AssertionError("thread " + seed + " call " + call + ": row " + (first + k / 10) + " differs");
              }
            }
            checked += n;
          }
          return checked;
        }));
      }
      long total = 0;
      for (Future<Integer> f : done) {
        total += f.get();
      }
      assertTrue(total >= (long) threads * calls);
    } finally {
      pool.shutdownNow();
    }
  }
}
