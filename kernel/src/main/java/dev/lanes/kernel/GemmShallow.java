package dev.lanes.kernel;

import static dev.lanes.kernel.GemmBlocking.NR;
import static dev.lanes.kernel.GemmBlocking.SPECIES;
import static dev.lanes.kernel.GemmBlocking.VL;

import jdk.incubator.vector.FloatVector;

/**
 * Products of small depth (k ≤ {@link #DEPTH}, like a 10-class layer's dX = dY·W), with AVX-512:
 * a column panel of op(B), k×NR, is held whole in registers (two vectors per step) while C's rows
 * stream past it, each row's NR columns one FMA chain of k steps over A's row read in place. A
 * register tile instead reloads B and broadcasts A for each tile, and at such depths those loads
 * and the tile's stores weigh as much as its multiply-adds. Each element is the same chain from
 * zero over p = 0..k−1 as the other paths', folded into C by the same formula: the same bits.
 *
 * <p>One method serves every depth: a panel's steps sit in the last k of DEPTH slots, and each row
 * enters the unrolled chain at slot DEPTH − k through a switch that falls through to the end (one
 * predicted jump per row). Unused slots load step 0 rather than branch: with a branch per slot, C2
 * compiled away the slots the first depth left unused and deoptimized at each new depth. DEPTH 12
 * (24 B registers) spilled: 512×784×10 ran 111 GFLOP/s against 123 with DEPTH 10. The method must
 * stay small enough for C1, whose profiled tier feeds C2: with masked stores inline it failed
 * ("out of virtual registers"), and the method never reached C2 (1 GFLOP/s).
 *
 * <p>Against the 8×32 register tile and the packed path before it, one thread, a JVM per run,
 * medians of 2 × 7 (GFLOP/s): 128×128×10 122 → 152, 128×128×8 111 → 141, 64×64×5 70 → 100,
 * 32×256×10 106 → 125, 1000×229×10 103 → 114, 256×1024×10 116 → 130, 128×256×10 A·Bᵀ 100 → 120,
 * 128×40×10 43 → 60; 512×784×10 113 → 104 (97–111 against 109–116: as noisy as this VM).
 */
final class GemmShallow {
  private GemmShallow() {}

  /** Deepest product taken: two B vectors per step, 20 of AVX-512's 32 registers. */
  static final int DEPTH = 10;

  /**
   * Rows of C per call (the epilogue then finds them in L1): 16, or 8 when C's rows lie a multiple
   * of 4 KiB apart. Those rows' lines share one L1 set, and 16 rows of a panel (two or three lines
   * each) overflow its 12 ways: 256×2048×10 ran 88 GFLOP/s on 16 rows, 117 on 8; 256×512×10 and
   * 128×128×10, 8 → 16: 140 → 151 and 133 → 159.
   */
  static int rowsPerCall(int ldc) {
    return ldc % 1024 == 0 ? 8 : 16;
  }

  /**
   * rows × n of C (row-major, ldc) = alpha·A·B + beta·C for row-major A (row r at a[ai + r*lda])
   * and B packed in panels (k×NR each, panelStep apart, zero-padded past n); 1 ≤ k ≤ DEPTH.
   */
  @SuppressWarnings("fallthrough")
  static void rows(int k, float[] a, int ai, int lda, int rows, float[] bp, int bi, int panelStep,
                   float[] c, int ci, int ldc, int n, float alpha, float beta, float[] tile) {
    FloatVector z = FloatVector.zero(SPECIES);
    boolean plain = alpha == 1f && beta == 0f; // a layer's dX: alpha·s is s, no multiply
    int skip = DEPTH - k;
    for (int j = 0; j < n; j += NR, bi += panelStep, ci += NR) {
      // slot t holds step t − skip; the unused slots below skip load step 0: no branch to profile
      FloatVector b00 = FloatVector.fromArray(SPECIES, bp, bi);
      FloatVector b00v = FloatVector.fromArray(SPECIES, bp, bi + VL);
      FloatVector b01 = FloatVector.fromArray(SPECIES, bp, bi + Math.max(1 - skip, 0) * NR);
      FloatVector b01v = FloatVector.fromArray(SPECIES, bp, bi + Math.max(1 - skip, 0) * NR + VL);
      FloatVector b02 = FloatVector.fromArray(SPECIES, bp, bi + Math.max(2 - skip, 0) * NR);
      FloatVector b02v = FloatVector.fromArray(SPECIES, bp, bi + Math.max(2 - skip, 0) * NR + VL);
      FloatVector b03 = FloatVector.fromArray(SPECIES, bp, bi + Math.max(3 - skip, 0) * NR);
      FloatVector b03v = FloatVector.fromArray(SPECIES, bp, bi + Math.max(3 - skip, 0) * NR + VL);
      FloatVector b04 = FloatVector.fromArray(SPECIES, bp, bi + Math.max(4 - skip, 0) * NR);
      FloatVector b04v = FloatVector.fromArray(SPECIES, bp, bi + Math.max(4 - skip, 0) * NR + VL);
      FloatVector b05 = FloatVector.fromArray(SPECIES, bp, bi + Math.max(5 - skip, 0) * NR);
      FloatVector b05v = FloatVector.fromArray(SPECIES, bp, bi + Math.max(5 - skip, 0) * NR + VL);
      FloatVector b06 = FloatVector.fromArray(SPECIES, bp, bi + Math.max(6 - skip, 0) * NR);
      FloatVector b06v = FloatVector.fromArray(SPECIES, bp, bi + Math.max(6 - skip, 0) * NR + VL);
      FloatVector b07 = FloatVector.fromArray(SPECIES, bp, bi + Math.max(7 - skip, 0) * NR);
      FloatVector b07v = FloatVector.fromArray(SPECIES, bp, bi + Math.max(7 - skip, 0) * NR + VL);
      FloatVector b08 = FloatVector.fromArray(SPECIES, bp, bi + Math.max(8 - skip, 0) * NR);
      FloatVector b08v = FloatVector.fromArray(SPECIES, bp, bi + Math.max(8 - skip, 0) * NR + VL);
      FloatVector b09 = FloatVector.fromArray(SPECIES, bp, bi + Math.max(9 - skip, 0) * NR);
      FloatVector b09v = FloatVector.fromArray(SPECIES, bp, bi + Math.max(9 - skip, 0) * NR + VL);
      boolean whole = n - j >= NR;
      for (int r = 0, ar = ai - skip, cr = ci; r < rows; r++, ar += lda, cr += ldc) {
        FloatVector s0 = z, s1 = z, x;
        switch (skip) { // enters at step 0's slot, falls through to the last
          case 0: x = FloatVector.broadcast(SPECIES, a[ar]); s0 = x.fma(b00, s0); s1 = x.fma(b00v, s1);
          case 1: x = FloatVector.broadcast(SPECIES, a[ar + 1]); s0 = x.fma(b01, s0); s1 = x.fma(b01v, s1);
          case 2: x = FloatVector.broadcast(SPECIES, a[ar + 2]); s0 = x.fma(b02, s0); s1 = x.fma(b02v, s1);
          case 3: x = FloatVector.broadcast(SPECIES, a[ar + 3]); s0 = x.fma(b03, s0); s1 = x.fma(b03v, s1);
          case 4: x = FloatVector.broadcast(SPECIES, a[ar + 4]); s0 = x.fma(b04, s0); s1 = x.fma(b04v, s1);
          case 5: x = FloatVector.broadcast(SPECIES, a[ar + 5]); s0 = x.fma(b05, s0); s1 = x.fma(b05v, s1);
          case 6: x = FloatVector.broadcast(SPECIES, a[ar + 6]); s0 = x.fma(b06, s0); s1 = x.fma(b06v, s1);
          case 7: x = FloatVector.broadcast(SPECIES, a[ar + 7]); s0 = x.fma(b07, s0); s1 = x.fma(b07v, s1);
          case 8: x = FloatVector.broadcast(SPECIES, a[ar + 8]); s0 = x.fma(b08, s0); s1 = x.fma(b08v, s1);
          case 9: x = FloatVector.broadcast(SPECIES, a[ar + 9]); s0 = x.fma(b09, s0); s1 = x.fma(b09v, s1);
          default:
        }
        if (whole && plain) {
          s0.intoArray(c, cr);
          s1.intoArray(c, cr + VL);
        } else if (whole && beta == 0f) {
          s0.mul(alpha).intoArray(c, cr);
          s1.mul(alpha).intoArray(c, cr + VL);
        } else if (whole) {
          FloatVector va = FloatVector.broadcast(SPECIES, alpha);
          s0.fma(va, FloatVector.fromArray(SPECIES, c, cr).mul(beta)).intoArray(c, cr);
          s1.fma(va, FloatVector.fromArray(SPECIES, c, cr + VL).mul(beta)).intoArray(c, cr + VL);
        } else { // the partial last panel (zero-padded in bp): its real columns
          s0.intoArray(tile, 0);
          s1.intoArray(tile, VL);
          GemmMicroKernel.storeTile(tile, c, cr, ldc, 1, n - j, alpha, beta);
        }
      }
    }
  }
}
