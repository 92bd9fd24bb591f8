package dev.lanes.kernel;

import static dev.lanes.kernel.GemmBlocking.NR;
import static dev.lanes.kernel.GemmBlocking.SPECIES;
import static dev.lanes.kernel.GemmBlocking.VL;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;

/**
 * Packs blocks of op(A) and op(B) into the layouts the micro-kernel streams, absorbing the
 * transposes and zero-padding the edges to whole micro-panels.
 */
final class GemmPacking {
  private GemmPacking() {}

  /**
   * Packs rows [i0, i0+mc) × depth [p0, p0+kc) of op(A) into dst as ceil(mc/mr) micro-panels, each
   * kc columns of mr values, mr being MR or 8 (see {@link GemmDriver}); a last panel of at most 8
   * rows is 8 wide, for {@link GemmMicroKernel}'s 8-row tile. Rows past mc are zero, or with transA
   * any values: the kernels compute them and never store them.
   */
  static void packA(boolean transA, float[] a, int aOff, int lda, int i0, int mc, int p0, int kc,
                    int mr, float[] dst) {
    for (int ir = 0; ir < mc; ir += mr) {
      int rows = Math.min(mr, mc - ir);
      int w = rows <= 8 && mr > 8 ? 8 : mr; // this panel's width: a last one of <= 8 rows runs on 8
      int d = ir * kc; // == (ir / mr) * mr * kc
      if (transA) {
        // op(A)[i][p] = a[p*lda + i]: w contiguous values per k, one vector while VL values lie in
        // a (its VL − w spare lanes land where the next k's store, or the next panel, or the
        // buffer's end padding, overwrites them); rows past mc get whatever follows in a, or what
        // the buffer held
        int src = aOff + p0 * lda + i0 + ir;
        int p = 0;
        int vectors = VL < w || a.length - VL < src ? 0 : Math.min(kc, (a.length - VL - src) / lda + 1);
        for (; p < vectors; p++, src += lda, d += w) {
          FloatVector.fromArray(SPECIES, a, src).intoArray(dst, d);
        }
        for (; p < kc; p++, src += lda, d += w) {
          System.arraycopy(a, src, dst, d, rows);
        }
      } else if (rows == w && GemmTranspose.ENABLED) {
        // op(A)[i][p] = a[i*lda + p]: w rows, VL k at a time through the register transpose; each
        // vector store spills VL − w floats that the next store (or the next panel, or the buffer's
        // end padding) takes
        int src = aOff + (i0 + ir) * lda + p0;
        int p = kc - kc % VL;
        GemmTranspose.strip(a, src, lda, w, p / VL, dst, d, w);
        for (; p < kc; p++) {
          for (int r = 0; r < w; r++) {
            dst[d + p * w + r] = a[src + r * lda + p];
          }
        }
      } else {
        // op(A)[i][p] = a[i*lda + p]: one row per lane of the panel
        for (int r = 0; r < w; r++) {
          if (r < rows) {
            int src = aOff + (i0 + ir + r) * lda + p0;
            for (int p = 0; p < kc; p++) {
              dst[d + p * w + r] = a[src + p];
            }
          } else {
            for (int p = 0; p < kc; p++) {
              dst[d + p * w + r] = 0f;
            }
          }
        }
      }
    }
  }

  /**
   * Packs depth [p0, p0+kc) × columns [j0 + jFrom, j0 + jTo) of op(B) into dst, where jFrom is a
   * multiple of NR: micro-panel jr (columns j0+jr .. j0+jr+NR) at dst[jr*kc ..], kc rows of NR values
   * (columns past nc are zero). Threads pack disjoint column ranges of one shared block.
   */
  static void packB(boolean transB, float[] b, int bOff, int ldb, int p0, int kc, int j0, int nc,
                    int jFrom, int jTo, float[] dst) {
    if (!transB) {
      packRowsOfB(b, bOff, ldb, p0, kc, j0, nc, jFrom, jTo, dst);
      return;
    }
    for (int jr = jFrom; jr < jTo; jr += NR) {
      int cols = Math.min(NR, nc - jr);
      int d = jr * kc; // == (jr / NR) * NR * kc
      if (cols == NR && GemmTranspose.ENABLED) {
        // op(B)[p][j] = b[j*ldb + p]: VL×VL blocks through the register transpose
        int src = bOff + (j0 + jr) * ldb + p0;
        int p = kc - kc % VL;
        for (int g = 0; g < NR; g += VL) {
          GemmTranspose.strip(b, src + g * ldb, ldb, VL, p / VL, dst, d + g, NR);
        }
        for (; p < kc; p++) {
          for (int cc = 0; cc < NR; cc++) {
            dst[d + p * NR + cc] = b[src + cc * ldb + p];
          }
        }
      } else {
        // op(B)[p][j] = b[j*ldb + p]: the panel zeroed in one sweep, then one column per lane
        // (a 1-wide output layer's panel is 1 real column of NR)
        Arrays.fill(dst, d, d + kc * NR, 0f);
        for (int cc = 0; cc < cols; cc++) {
          int src = bOff + (j0 + jr + cc) * ldb + p0;
          for (int p = 0; p < kc; p++) {
            dst[d + p * NR + cc] = b[src + p];
          }
        }
      }
    }
  }

  /**
   * op(B) = B row-major: NR contiguous values per k. Goes through B a few rows at a time across
   * all its panels, so the reads run along B's rows rather than down 16-float columns, each row's
   * lines read once (a column walk crosses a line boundary per row and leaves the line for the
   * next panel, long evicted by then).
   */
  private static void packRowsOfB(float[] b, int bOff, int ldb, int p0, int kc, int j0, int nc,
                                  int jFrom, int jTo, float[] dst) {
    int full = jFrom + Math.max(0, (Math.min(jTo, nc) - jFrom) / NR * NR); // panels NR wide
    for (int pb = 0; pb < kc; pb += ROWS_PER_PASS) {
      int rows = Math.min(ROWS_PER_PASS, kc - pb);
      for (int jr = jFrom; jr < full; jr += NR) {
        int src = bOff + (p0 + pb) * ldb + j0 + jr;
        int d = jr * kc + pb * NR;
        for (int p = 0; p < rows; p++, src += ldb, d += NR) {
          FloatVector.fromArray(SPECIES, b, src).intoArray(dst, d);
          FloatVector.fromArray(SPECIES, b, src + VL).intoArray(dst, d + VL);
        }
      }
    }
    for (int jr = full; jr < jTo; jr += NR) { // the last, partial panel
      int cols = Math.min(NR, nc - jr);
      int src = bOff + p0 * ldb + j0 + jr;
      for (int p = 0, d = jr * kc; p < kc; p++, src += ldb, d += NR) {
        System.arraycopy(b, src, dst, d, cols);
        Arrays.fill(dst, d + cols, d + NR, 0f);
      }
    }
  }

  /** Rows of B per pass of {@link #packRowsOfB}: 8 rows × 16 floats per panel, a few KiB of reads. */
  private static final int ROWS_PER_PASS = 8;
}
