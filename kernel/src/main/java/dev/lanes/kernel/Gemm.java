package dev.lanes.kernel;

/**
 * Single-precision matrix multiply with BLAS semantics on row-major {@code float[]}:
 * {@code C = alpha·op(A)·op(B) + beta·C}, C m×n, op(A) m×k, op(B) k×n, op(X) = X or Xᵀ.
 * Every matrix is (array, offset, leading dimension); element (i, j) of a stored r×c matrix X is
 * {@code x[xOff + i*ldx + j]}, with {@code ldx >= c}.
 *
 * <p><b>Arithmetic.</b> Each element of C is computed the same way on every path, tile and thread
 * count: k is cut into ceil(k/{@value GemmBlocking#KC}) blocks of depth ceil(k/blocks) (the last
 * may be shallower); within a block the products are summed in order of k with FMA from zero into
 * s; each block is folded in as {@code c = beta == 0 ? alpha*s : fma(alpha, s, beta*c)}, with
 * beta = 1 after the first block.
 * So results are bit-identical for any number of threads and any split of the rows of C. When
 * {@code k == 0} or {@code alpha == 0}, C becomes {@code beta*C} (zero if beta is zero) and A and B
 * are not read. {@code beta == 0} never reads C, so NaN in C is overwritten.
 *
 * <p><b>Threads and memory.</b> The plain methods run on the calling thread with a thread-confined
 * workspace; the {@link WorkerPool} ones split C into blocks that whole workers own. Packing buffers
 * are reused, so a call allocates nothing once the largest shape has been seen.
 */
public final class Gemm {
  private Gemm() {}

  private static final class Context {
    final GemmWorkspace ws = new GemmWorkspace();
    final GemmDriver driver = new GemmDriver();
    final GemmInPlace inPlace = new GemmInPlace(false);
    final GemmInPlace inPlaceTransposed = new GemmInPlace(true);
    final GemmOuter outer = new GemmOuter();
  }

  private static final ThreadLocal<Context> LOCAL = ThreadLocal.withInitial(Context::new);

  /** {@code C = alpha·op(A)·op(B) + beta·C} on the calling thread. */
  public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                           float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float beta,
                           float[] c, int cOff, int ldc) {
    GemmChecks.check(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
    multiply(null, transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc,
        null, null, 0, null, 0, 0);
  }

  /**
   * {@code C = alpha·op(A)·op(B) + beta·C} on the workers of {@code pool}, the caller among them.
   * Products too small to split run on fewer workers. The bits of C do not depend on the pool size.
   *
   * @throws IllegalStateException if the pool is busy with another call
   */
  public static void sgemm(WorkerPool pool, boolean transA, boolean transB, int m, int n, int k,
                           float alpha, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                           float beta, float[] c, int cOff, int ldc) {
    if (pool == null) {
      throw new IllegalArgumentException("sgemm: pool is null");
    }
    GemmChecks.check(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
    multiply(pool, transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc,
        null, null, 0, null, 0, 0);
  }

  /**
   * The checked product on pool (null: the calling thread), then the epilogue when act is not
   * null: {@code pre = C + bias; C = act(pre)} per tile (see {@link Dense}).
   */
  static void multiply(WorkerPool pool, boolean transA, boolean transB, int m, int n, int k,
                       float alpha, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                       float beta, float[] c, int cOff, int ldc, Activation act, float[] bias, int biasOff,
                       float[] pre, int preOff, int ldPre) {
    if (trivial(m, n, k, alpha, beta, c, cOff, ldc)) {
      if (act != null) {
        act.forward(m, n, c, cOff, ldc, bias, biasOff, pre, preOff, ldPre, c, cOff, ldc);
      }
      return;
    }
    int workers = 1;
    if (pool != null) {
      long mnk = (long) m * n * k;
      workers = (int) Math.max(1, Math.min(pool.size(), mnk / GemmBlocking.MIN_MNK_PER_THREAD));
    }
    boolean swap = GemmInPlace.swaps(transA, transB, m, n); // runs as Cᵀ = B·Aᵀ, the epilogue after
    GemmCall call;
    GemmWorkspace ws;
    if (workers == 1) {
      Context ctx = LOCAL.get();
      call = swap ? ctx.inPlaceTransposed : GemmInPlace.suits(transA, m, n, k) ? ctx.inPlace
          : GemmOuter.suits(transA, transB, m, n, k) ? ctx.outer : ctx.driver;
      ws = ctx.ws;
      pool = null;
    } else {
      call = swap ? pool.gemmInPlaceTransposed
          : GemmInPlace.suits(transA, m, n, k) ? pool.gemmInPlace
          : GemmOuter.suits(transA, transB, m, n, k) ? pool.gemmOuter : pool.gemmDriver;
      ws = pool.gemmWorkspace;
    }
    if (!swap) {
      call.execute(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc,
          act, bias, biasOff, pre, preOff, ldPre, ws, pool, workers);
      return;
    }
    call.execute(false, true, n, m, k, alpha, b, bOff, ldb, a, aOff, lda, beta, c, cOff, ldc,
        null, null, 0, null, 0, 0, ws, pool, workers);
    if (act != null) {
      act.forward(m, n, c, cOff, ldc, bias, biasOff, pre, preOff, ldPre, c, cOff, ldc);
    }
  }

  /**
   * {@code C = act(A·Wᵀ + bias)} on the calling thread with W packed beforehand (unchecked; see
   * {@link Dense}): the in-place path, minus its packing.
   */
  static void multiplyPacked(InferenceScratch scratch, int m, PackedWeights w, float[] a, int aOff, int lda,
                             float[] c, int cOff, int ldc, Activation act, float[] bias, int biasOff) {
    int n = w.n, k = w.k;
    if (trivial(m, n, k, 1f, 0f, c, cOff, ldc)) {
      act.forward(m, n, c, cOff, ldc, bias, biasOff, null, 0, 0, c, cOff, ldc);
      return;
    }
    GemmInPlace call = scratch != null ? scratch.inPlace : LOCAL.get().inPlace;
    GemmWorkspace ws = scratch != null ? scratch.ws : LOCAL.get().ws;
    call.prepacked = w.panels;
    try {
      call.execute(false, true, m, n, k, 1f, a, aOff, lda, w.panels, 0, k, 0f, c, cOff, ldc,
          act, bias, biasOff, null, 0, 0, ws, null, 1);
    } finally {
      call.prepacked = null;
    }
  }

  /** Handles empty C, and k == 0 or alpha == 0 (C = beta·C); true if nothing is left to do. */
  private static boolean trivial(int m, int n, int k, float alpha, float beta, float[] c, int cOff, int ldc) {
    if (m == 0 || n == 0) {
      return true;
    }
    if (k != 0 && alpha != 0f) {
      return false;
    }
    for (int i = 0; i < m; i++) {
      int row = cOff + i * ldc;
      for (int j = row; j < row + n; j++) {
        c[j] = beta == 0f ? 0f : beta * c[j];
      }
    }
    return true;
  }
}
