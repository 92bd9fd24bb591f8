package dev.lanes.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lanes.kernel.WorkerPool;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The step's loss in chunks across workers: the same loss and gradient bits on 1, 2, 3 and 8
 * threads, a gradient equal bit for bit to the kernel's on the whole batch, and a loss equal to its
 * mean up to the rounding of the chunks' partial means.
 */
class LossPassTest {

  @ParameterizedTest
  @EnumSource(Loss.class)
  void chunksGiveTheSameBitsOnAnyNumberOfThreads(Loss loss) {
    SplittableRandom rnd = new SplittableRandom(5);
    int m = 3 * LossPass.CHUNK + 7, n = 70; // a partial last chunk; enough work to split 2 to 4 ways
    float[] out = new float[m * n];
    float[] targets = new float[m * n];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) rnd.nextGaussian() * 3;
      targets[i] = (float) rnd.nextDouble();
    }
    int[] labels = rnd.ints(m, 0, n).toArray();
    float[] logSum = new float[m];
    float[] whole = new float[m * n];
    float mean = loss.forward(m, 0, n, out, labels, targets, logSum);
    loss.backward(m, 0, m, n, out, labels, targets, logSum, whole);

    float reference = Float.NaN;
    for (int threads : new int[] {1, 2, 3, 8}) {
      float[] d = new float[m * n];
      LossPass pass = new LossPass(loss, n, m);
      float value;
      if (threads == 1) {
        value = pass.run(null, m, out, labels, targets, new float[m], d);
      } else {
        try (WorkerPool pool = new WorkerPool(threads)) {
          value = pass.run(pool, m, out, labels, targets, new float[m], d);
        }
      }
      assertArrayEquals(whole, d, loss + ", " + threads + " threads: the gradient");
      if (threads == 1) {
        reference = value;
        assertEquals(mean, value, 1e-6 * Math.abs(mean), loss + ": chunked against whole-batch mean");
      } else {
        assertEquals(Float.floatToRawIntBits(reference), Float.floatToRawIntBits(value),
            loss + ", " + threads + " threads: " + value + " vs " + reference + " on one");
      }
    }
  }
}
