package dev.lanes.kernel;

/**
 * A dense layer's weights W (n×k, out × in) packed once into the GEMM's panel layout of Wᵀ, for
 * weights that no longer change (inference). {@link Dense#forward(Activation, int, PackedWeights,
 * float[], int, int, float[], int, float[], int, int)} then skips the packing that costs k·n per
 * call, which dominates a small batch; its bits equal those of the forward on the unpacked W.
 */
public final class PackedWeights {
  final int n, k;
  /** Panel jr (NR columns of Wᵀ, zero-padded) at panels[jr*k], row p of it at + p*NR. */
  final float[] panels;

  private PackedWeights(int n, int k, float[] panels) {
    this.n = n;
    this.k = k;
    this.panels = panels;
  }

  /** Packs W, n×k at {@code w[wOff + j*ldw + p]}; W is copied, so later changes to it are not seen. */
  public static PackedWeights of(int n, int k, float[] w, int wOff, int ldw) {
    String fn = "PackedWeights.of";
    Checks.size(fn, "n", n);
    Checks.size(fn, "k", k);
    Checks.matrix(fn, "w", w, wOff, ldw, n, k);
    long size = (long) k * GemmWorkspace.roundUp(n, GemmBlocking.NR);
    if (size > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(fn + ": " + n + "×" + k + " is too large to pack");
    }
    float[] panels = new float[(int) size];
    GemmPacking.packB(true, w, wOff, ldw, 0, k, 0, n, 0, n, panels);
    return new PackedWeights(n, k, panels);
  }

  /** Rows of W (outputs). */
  public int outputs() {
    return n;
  }

  /** Columns of W (inputs). */
  public int inputs() {
    return k;
  }
}
