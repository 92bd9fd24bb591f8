package dev.lanes.nn;

import dev.lanes.kernel.WorkerPool;

/**
 * A training step's loss and its gradient, in chunks of {@link #CHUNK} rows shared among the workers
 * of a pool. Each chunk's loss is one call and the batch's adds the chunks' in chunk order, so its
 * bits do not depend on the number of workers (a row's gradient depends only on that row). Run on
 * the caller alone, the softmax cross-entropy of the wide network's 256×10 output took 52 µs of a
 * 2-thread step of 8.5 ms, the one part of the step that did not shrink with a second thread.
 */
final class LossPass implements WorkerPool.Task {
  /** Rows per chunk: ~6 µs of softmax cross-entropy over 10 classes, well above a hand-off (~1 µs). */
  static final int CHUNK = 32;
  /**
   * Work per worker below which the loss is not split, counted in elements, where a softmax row
   * costs 64 more (its max, exponentials and log: 10 classes took 200 ns a row, an MSE element ~1 ns).
   */
  private static final int MIN_WORK_PER_WORKER = 4096;
  private final Loss loss;
  private final int n;
  private final double[] chunkLoss; // each chunk's mean loss times its rows
  // the call's arguments, held only during the call
  private int m;
  private float[] out, targets, logSum, d;
  private int[] labels;

  LossPass(Loss loss, int outputs, int batch) {
    this.loss = loss;
    this.n = outputs;
    this.chunkLoss = new double[(batch + CHUNK - 1) / CHUNK];
  }

  /**
   * The mean loss over the m rows of out, with its gradient in d; pool may be null. out m×n; labels
   * m or targets m×n; logSum m (softmax's row sums, for the backward) → d m×n.
   */
  float run(WorkerPool pool, int m, float[] out, int[] labels, float[] targets, float[] logSum, float[] d) {
    int chunks = (m + CHUNK - 1) / CHUNK;
    long work = (long) m * (loss == Loss.SOFTMAX_CROSS_ENTROPY ? n + 64 : n);
    int workers = pool == null ? 1 : (int) Math.min(Math.min(pool.size(), chunks), 1 + work / MIN_WORK_PER_WORKER);
    this.m = m;
    this.out = out;
    this.labels = labels;
    this.targets = targets;
    this.logSum = logSum;
    this.d = d;
    try {
      if (workers == 1) {
        run(0, 1);
      } else {
        pool.run(workers, this);
      }
    } finally {
      this.out = this.targets = this.logSum = this.d = null;
      this.labels = null;
    }
    double total = 0;
    for (int c = 0; c < chunks; c++) {
      total += chunkLoss[c];
    }
    return (float) (total / m);
  }

  /** Worker w's chunks: [w·chunks/W, (w+1)·chunks/W). */
  @Override
  public void run(int worker, int workers) {
    int chunks = (m + CHUNK - 1) / CHUNK;
    for (int c = chunks * worker / workers, end = chunks * (worker + 1) / workers; c < end; c++) {
      int from = c * CHUNK, rows = Math.min(CHUNK, m - from);
      chunkLoss[c] = (double) loss.forward(rows, from, n, out, labels, targets, logSum) * rows;
      loss.backward(rows, from, m, n, out, labels, targets, logSum, d);
    }
  }
}
