package dev.lanes.kernel;

/**
 * One GEMM call's arguments, held by a task object that is reused from call to call (one per
 * thread-confined context or pool), so a call allocates nothing. Subclasses are the ways of
 * computing it: {@link GemmDriver} (pack A and B), {@link GemmInPlace} (read A in place) and
 * {@link GemmOuter} (read both in place).
 */
abstract class GemmCall implements WorkerPool.Task {
  boolean transA, transB;
  int m, n, k;
  float alpha, beta;
  float[] a, b, c;
  int aOff, lda, bOff, ldb, cOff, ldc;
  GemmWorkspace ws;
  WorkerPool pool;
  // The epilogue, applied to each tile after its last k-block (act null: none): see Dense.
  Activation act;
  float[] bias, pre;
  int biasOff, preOff, ldPre;

  /**
   * Runs the call on {@code workers} workers of pool (on the caller alone when 1). With a pool,
   * the pool is claimed before any field is set: this object belongs to the pool, and a second
   * caller must be refused before it can touch a running call's arguments.
   */
  final void execute(boolean transA, boolean transB, int m, int n, int k, float alpha,
                     float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float beta,
                     float[] c, int cOff, int ldc, Activation act, float[] bias, int biasOff,
                     float[] pre, int preOff, int ldPre, GemmWorkspace ws, WorkerPool pool, int workers) {
    if (pool != null) {
      pool.acquire();
    }
    this.transA = transA;
    this.transB = transB;
    this.m = m;
    this.n = n;
    this.k = k;
    this.alpha = alpha;
    this.beta = beta;
    this.a = a;
    this.aOff = aOff;
    this.lda = lda;
    this.b = b;
    this.bOff = bOff;
    this.ldb = ldb;
    this.c = c;
    this.cOff = cOff;
    this.ldc = ldc;
    this.act = act;
    this.bias = bias;
    this.biasOff = biasOff;
    this.pre = pre;
    this.preOff = preOff;
    this.ldPre = ldPre;
    this.ws = ws;
    this.pool = pool;
    try {
      prepare(workers);
      if (pool == null) {
        run(0, 1);
      } else {
        pool.runAcquired(workers, this);
      }
    } finally {
      this.a = this.b = this.c = this.bias = this.pre = null; // hold no caller array past the call
      if (pool != null) {
        pool.release();
      }
    }
  }

  /**
   * Applies the epilogue to rows [i, i+rows) × columns [j, j+cols) of C, right after their last
   * k-block was stored, while they are still in L1: C = act(C + bias), pre = C + bias.
   */
  final void epilogue(int i, int j, int rows, int cols, float[] scratch) {
    int ci = cOff + i * ldc + j;
    act.forwardRows(rows, cols, c, ci, ldc, bias, biasOff + j, pre, pre == null ? 0 : preOff + i * ldPre + j, ldPre,
        c, ci, ldc, scratch);
  }

  /** Sizes the workspace and plans the split for this call, before any worker starts. */
  abstract void prepare(int workers);
}
