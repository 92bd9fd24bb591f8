package dev.lanes.kernel;

import static dev.lanes.kernel.GemmBlocking.VL;

/**
 * {@link Reductions#sumOfSquares(WorkerPool, int, float[], int)} on a pool: worker w sums its
 * share of the blocks into their own lanes, then the caller adds all lanes in block order. One per
 * pool, reused; its lanes grow to the largest call and stay, so a call allocates nothing after that.
 */
final class SquaresCall implements WorkerPool.Task {
  private int n;
  private float[] x;
  private int xOff;
  private float[] lanes = new float[0];

  double execute(WorkerPool pool, int workers, int n, float[] x, int xOff) {
    pool.acquire(); // before any field is set: a second caller is refused, not mixed in
    try {
      int blocks = blocks(n);
      if (lanes.length < blocks * VL) {
        lanes = new float[blocks * VL];
      }
      this.n = n;
      this.x = x;
      this.xOff = xOff;
      pool.runAcquired(workers, this);
      return Reductions.addLanes(0, lanes, 0, blocks);
    } finally {
      this.x = null; // hold no caller array past the call
      pool.release();
    }
  }

  @Override
  public void run(int worker, int workers) {
    int blocks = blocks(n);
    for (int b = blocks * worker / workers, to = blocks * (worker + 1) / workers; b < to; b++) {
      int from = b * Reductions.BLOCK;
      Reductions.blockSquares(Math.min(Reductions.BLOCK, n - from), x, xOff + from, lanes, b * VL);
    }
  }

  private static int blocks(int n) {
    return (n + Reductions.BLOCK - 1) / Reductions.BLOCK;
  }
}
