package dev.lanes.kernel;

import static dev.lanes.kernel.GemmBlocking.VL;

/**
 * {@link Activation#backward(WorkerPool, int, int, float[], int, int, float[], int, int, float[], int,
 * int, float[], int)} on a pool: worker w owns a range of columns (whole vectors), its dz and its
 * part of the bias gradient. One per pool, reused, so a call allocates nothing.
 */
final class ActivationBackwardCall implements WorkerPool.Task {
  private Activation act;
  private int m, n;
  private float[] dy, saved, dz, biasGrad;
  private int dyOff, lddy, savedOff, ldSaved, dzOff, lddz, biasGradOff;

  void execute(WorkerPool pool, int workers, Activation act, int m, int n, float[] dy, int dyOff, int lddy,
               float[] saved, int savedOff, int ldSaved, float[] dz, int dzOff, int lddz,
               float[] biasGrad, int biasGradOff) {
    pool.acquire(); // before any field is set: a second caller is refused, not mixed in
    try {
      this.act = act;
      this.m = m;
      this.n = n;
      this.dy = dy;
      this.dyOff = dyOff;
      this.lddy = lddy;
      this.saved = saved;
      this.savedOff = savedOff;
      this.ldSaved = ldSaved;
      this.dz = dz;
      this.dzOff = dzOff;
      this.lddz = lddz;
      this.biasGrad = biasGrad;
      this.biasGradOff = biasGradOff;
      pool.runAcquired(workers, this);
    } finally {
      this.dy = this.saved = this.dz = this.biasGrad = null; // hold no caller array past the call
      pool.release();
    }
  }

  @Override
  public void run(int worker, int workers) {
    int from = GemmDriver.split(n, VL, worker, workers);
    int to = GemmDriver.split(n, VL, worker + 1, workers);
    act.backwardColumns(m, from, to, dy, dyOff, lddy, saved, savedOff, ldSaved, dz, dzOff, lddz,
        biasGrad, biasGradOff);
  }
}
