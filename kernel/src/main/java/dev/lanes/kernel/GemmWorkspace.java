package dev.lanes.kernel;

import static dev.lanes.kernel.GemmBlocking.KC;
import static dev.lanes.kernel.GemmBlocking.MC;
import static dev.lanes.kernel.GemmBlocking.MR;
import static dev.lanes.kernel.GemmBlocking.NR;

/**
 * Packing buffers for one GEMM at a time: two shared packed-B blocks (double-buffered, so one
 * barrier per k-block suffices) and, per worker, a packed-A block, an edge tile and epilogue scratch. Grows to the
 * largest shape seen and is then reused: no allocation per call in steady state.
 */
final class GemmWorkspace {
  /** Two cache lines of floats (adjacent-line prefetch pulls lines in pairs). */
  private static final int FALSE_SHARING_PAD = 32;

  float[] packedB0 = new float[0];
  float[] packedB1 = new float[0];
  float[][] packedA = new float[0][];
  float[][] tile = new float[0][];
  /** Per worker: scratch for the activation epilogue (see Dense). */
  float[][] stage = new float[0][];
  float[] smallB = new float[0];

  /** Sizes the buffers for blocks of at most kc × nc (B) on {@code workers} workers. */
  void ensure(int workers, int kc, int nc) {
    int bSize = kc * roundUp(nc, NR); // 0 for the in-place path, which uses smallB
    if (packedB0.length < bSize) {
      packedB0 = new float[bSize];
      packedB1 = new float[bSize];
    }
    if (packedA.length < workers) {
      float[][] a = new float[workers][];
      float[][] t = new float[workers][];
      float[][] s = new float[workers][];
      System.arraycopy(packedA, 0, a, 0, packedA.length);
      System.arraycopy(tile, 0, t, 0, tile.length);
      System.arraycopy(stage, 0, s, 0, stage.length);
      packedA = a;
      tile = t;
      stage = s;
    }
    for (int w = 0; w < workers; w++) {
      // Padded past the end so that no two workers' buffers share a cache line (the tile is
      // written on every micro-kernel call, and false sharing there costs a core-to-core trip).
      if (tile[w] == null) {
        tile[w] = new float[MR * NR + FALSE_SHARING_PAD];
        stage[w] = new float[Blocks.SCRATCH + FALSE_SHARING_PAD];
      }
      // Padded too so that packA's vector stores may spill a few floats past the last panel. The
      // in-place path (kc 0) packs no A.
      if (packedA[w] == null && kc > 0) {
        packedA[w] = new float[MC * KC + FALSE_SHARING_PAD];
      }
    }
  }

  float[] smallB(int size) {
    if (smallB.length < size) {
      smallB = new float[size];
    }
    return smallB;
  }

  static int roundUp(int x, int multiple) {
    return (x + multiple - 1) / multiple * multiple;
  }
}
