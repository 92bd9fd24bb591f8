package dev.lanes.kernel;

/**
 * A dense layer's two passes, fused: the forward applies bias and activation to each output tile
 * of the GEMM while it is still in L1 (its epilogue; a batch of at most 64 rows runs as Yᵀ = W·Xᵀ,
 * and bias and activation follow in one pass over Y), and the backward turns dY into dZ and sums the
 * bias gradient in one pass before the two products. Weights are n×k (out × in, as PyTorch stores
 * them), so {@code Y = act(X·Wᵀ + b)}.
 *
 * <p>The bits equal those of {@link Gemm#sgemm} followed by {@link Activation#forward}, and do not
 * depend on the number of threads. A {@code null} pool runs on the calling thread.
 */
public final class Dense {
  private Dense() {}

  /**
   * {@code pre = X·Wᵀ + b; Y = act(pre)}. X m×k; W n×k; bias n (null: none); pre m×n (null: not
   * kept; keep it when {@code !act.backwardUsesOutput()}); Y m×n.
   */
  public static void forward(WorkerPool pool, Activation act, int m, int n, int k,
                             float[] x, int xOff, int ldx, float[] w, int wOff, int ldw,
                             float[] bias, int biasOff, float[] pre, int preOff, int ldPre,
                             float[] y, int yOff, int ldy) {
    String fn = "Dense.forward";
    if (act == null) {
      throw new IllegalArgumentException(fn + ": act is null");
    }
    GemmChecks.check(false, true, m, n, k, x, xOff, ldx, w, wOff, ldw, y, yOff, ldy);
    if (bias != null) {
      Checks.span(fn, "bias", bias, biasOff, n);
    }
    if (pre != null) {
      Checks.matrix(fn, "pre", pre, preOff, ldPre, m, n);
    }
    Gemm.multiply(pool, false, true, m, n, k, 1f, x, xOff, ldx, w, wOff, ldw, 0f, y, yOff, ldy,
        act, bias, biasOff, pre, preOff, ldPre);
  }

  /**
   * {@code Y = act(X·Wᵀ + b)} on the calling thread, with W packed beforehand: for inference,
   * where the same weights serve every call. X m×k; bias n (null: none); Y m×n. The bits equal
   * those of the forward on the unpacked W, on any path and thread count.
   */
  public static void forward(Activation act, int m, PackedWeights w, float[] x, int xOff, int ldx,
                             float[] bias, int biasOff, float[] y, int yOff, int ldy) {
    forward(null, act, m, w, x, xOff, ldx, bias, biasOff, y, yOff, ldy);
  }

  /**
   * As {@link #forward(Activation, int, PackedWeights, float[], int, int, float[], int, float[], int,
   * int)} with the caller's scratch (null: the calling thread's own), which one caller uses at a time.
   */
  public static void forward(InferenceScratch scratch, Activation act, int m, PackedWeights w, float[] x, int xOff,
                             int ldx, float[] bias, int biasOff, float[] y, int yOff, int ldy) {
    String fn = "Dense.forward";
    if (act == null || w == null) {
      throw new IllegalArgumentException(fn + ": act or w is null");
    }
    Checks.size(fn, "m", m);
    Checks.matrix(fn, "x", x, xOff, ldx, m, w.k);
    Checks.matrix(fn, "y", y, yOff, ldy, m, w.n);
    if (bias != null) {
      Checks.span(fn, "bias", bias, biasOff, w.n);
    }
    Gemm.multiplyPacked(scratch, m, w, x, xOff, ldx, y, yOff, ldy, act, bias, biasOff);
  }

  /**
   * The backward of {@link #forward}: {@code dZ = dY ⊙ act'(saved)} written over dY, with
   * {@code db = Σ_rows dZ} in the same pass; then {@code dW = dZᵀ·X + dwBeta·dW} and, unless dx is
   * null, {@code dX = dZ·W}. X m×k; W n×k; saved m×n (Y or pre, as {@link
   * Activation#backwardUsesOutput()} says); dY m×n, overwritten by dZ; dW n×k; db n (null: no
   * bias); dX m×k.
   */
  public static void backward(WorkerPool pool, Activation act, int m, int n, int k,
                              float[] x, int xOff, int ldx, float[] w, int wOff, int ldw,
                              float[] saved, int savedOff, int ldSaved, float[] dy, int dyOff, int lddy,
                              float dwBeta, float[] dw, int dwOff, int lddw, float[] db, int dbOff,
                              float[] dx, int dxOff, int lddx) {
    String fn = "Dense.backward";
    if (act == null) {
      throw new IllegalArgumentException(fn + ": act is null");
    }
    GemmChecks.check(true, false, n, k, m, dy, dyOff, lddy, x, xOff, ldx, dw, dwOff, lddw);
    if (dx != null) {
      GemmChecks.check(false, false, m, k, n, dy, dyOff, lddy, w, wOff, ldw, dx, dxOff, lddx);
    }
    act.backward(pool, m, n, dy, dyOff, lddy, saved, savedOff, ldSaved, dy, dyOff, lddy, db, dbOff);
    Gemm.multiply(pool, true, false, n, k, m, 1f, dy, dyOff, lddy, x, xOff, ldx, dwBeta, dw, dwOff, lddw,
        null, null, 0, null, 0, 0);
    if (dx != null) {
      Gemm.multiply(pool, false, false, m, k, n, 1f, dy, dyOff, lddy, w, wOff, ldw, 0f, dx, dxOff, lddx,
          null, null, 0, null, 0, 0);
    }
  }
}
