package dev.lanes.kernel;

import static dev.lanes.kernel.GemmBlocking.MR;
import static dev.lanes.kernel.GemmBlocking.NR;
import static dev.lanes.kernel.GemmBlocking.SPECIES;
import static dev.lanes.kernel.GemmBlocking.VL;

import jdk.incubator.vector.FloatVector;

/**
 * The register micro-kernel: one MR×NR tile of C from an A micro-panel (KC×MR, column of MR per k)
 * and a B micro-panel (KC×NR, row of NR per k), both packed and zero-padded, so the loop needs no
 * masks. Each accumulator element is a sequential FMA chain over k; the tile is then combined with C
 * as {@code beta == 0 ? alpha*s : fma(alpha, s, beta*c)} (see {@link Gemm}).
 */
final class GemmMicroKernel {
  private GemmMicroKernel() {}

  // ap: packed A, MR floats per k (8 when mr ≤ 8 with MR = 12); bp: packed B, NR floats per k;
  // tile: MR×NR scratch for edges.
  static void run(int kc, float[] ap, int ai, float[] bp, int bi,
                  float[] c, int ci, int ldc, int mr, int nr, float alpha, float beta, float[] tile) {
    if (MR == 12 && mr > 8) {
      run12(kc, ap, ai, bp, bi, c, ci, ldc, mr, nr, alpha, beta, tile);
    } else if (MR == 12) {
      run8(kc, ap, ai, bp, bi, c, ci, ldc, mr, nr, alpha, beta, tile);
    } else {
      run6(kc, ap, ai, bp, bi, c, ci, ldc, mr, nr, alpha, beta, tile);
    }
  }

  /** The 6-row tile (AVX2: 12 accumulators, 2 B vectors and a broadcast fill the 16 registers). */
  private static void run6(int kc, float[] ap, int ai, float[] bp, int bi,
                           float[] c, int ci, int ldc, int mr, int nr, float alpha, float beta, float[] tile) {
    FloatVector z = FloatVector.zero(SPECIES);
    FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z;
    FloatVector c30 = z, c31 = z, c40 = z, c41 = z, c50 = z, c51 = z;
    // One induction variable (p) for both panels, so C2 can hoist the range checks of the loads.
    for (int p = 0; p < kc; p++) {
      int ao = ai + p * 6;
      int bo = bi + p * NR;
      FloatVector b0 = FloatVector.fromArray(SPECIES, bp, bo);
      FloatVector b1 = FloatVector.fromArray(SPECIES, bp, bo + VL);
      FloatVector a = FloatVector.broadcast(SPECIES, ap[ao]);
      c00 = a.fma(b0, c00);
      c01 = a.fma(b1, c01);
      a = FloatVector.broadcast(SPECIES, ap[ao + 1]);
      c10 = a.fma(b0, c10);
      c11 = a.fma(b1, c11);
      a = FloatVector.broadcast(SPECIES, ap[ao + 2]);
      c20 = a.fma(b0, c20);
      c21 = a.fma(b1, c21);
      a = FloatVector.broadcast(SPECIES, ap[ao + 3]);
      c30 = a.fma(b0, c30);
      c31 = a.fma(b1, c31);
      a = FloatVector.broadcast(SPECIES, ap[ao + 4]);
      c40 = a.fma(b0, c40);
      c41 = a.fma(b1, c41);
      a = FloatVector.broadcast(SPECIES, ap[ao + 5]);
      c50 = a.fma(b0, c50);
      c51 = a.fma(b1, c51);
    }
    if (mr == 6 && nr == NR) {
      // A whole tile folds into C straight from the registers, by storeTile's formula (no spill, no
      // call: with a short k-loop those cost a fifth of the tile).
      FloatVector va = FloatVector.broadcast(SPECIES, alpha);
      if (beta == 0f) {
        c00.mul(va).intoArray(c, ci);
        c01.mul(va).intoArray(c, ci + VL);
        c10.mul(va).intoArray(c, ci + ldc);
        c11.mul(va).intoArray(c, ci + ldc + VL);
        c20.mul(va).intoArray(c, ci + 2 * ldc);
        c21.mul(va).intoArray(c, ci + 2 * ldc + VL);
        c30.mul(va).intoArray(c, ci + 3 * ldc);
        c31.mul(va).intoArray(c, ci + 3 * ldc + VL);
        c40.mul(va).intoArray(c, ci + 4 * ldc);
        c41.mul(va).intoArray(c, ci + 4 * ldc + VL);
        c50.mul(va).intoArray(c, ci + 5 * ldc);
        c51.mul(va).intoArray(c, ci + 5 * ldc + VL);
      } else {
        FloatVector vb = FloatVector.broadcast(SPECIES, beta);
        c00.fma(va, FloatVector.fromArray(SPECIES, c, ci).mul(vb)).intoArray(c, ci);
        c01.fma(va, FloatVector.fromArray(SPECIES, c, ci + VL).mul(vb)).intoArray(c, ci + VL);
        c10.fma(va, FloatVector.fromArray(SPECIES, c, ci + ldc).mul(vb)).intoArray(c, ci + ldc);
        c11.fma(va, FloatVector.fromArray(SPECIES, c, ci + ldc + VL).mul(vb)).intoArray(c, ci + ldc + VL);
        c20.fma(va, FloatVector.fromArray(SPECIES, c, ci + 2 * ldc).mul(vb)).intoArray(c, ci + 2 * ldc);
        c21.fma(va, FloatVector.fromArray(SPECIES, c, ci + 2 * ldc + VL).mul(vb)).intoArray(c, ci + 2 * ldc + VL);
        c30.fma(va, FloatVector.fromArray(SPECIES, c, ci + 3 * ldc).mul(vb)).intoArray(c, ci + 3 * ldc);
        c31.fma(va, FloatVector.fromArray(SPECIES, c, ci + 3 * ldc + VL).mul(vb)).intoArray(c, ci + 3 * ldc + VL);
        c40.fma(va, FloatVector.fromArray(SPECIES, c, ci + 4 * ldc).mul(vb)).intoArray(c, ci + 4 * ldc);
        c41.fma(va, FloatVector.fromArray(SPECIES, c, ci + 4 * ldc + VL).mul(vb)).intoArray(c, ci + 4 * ldc + VL);
        c50.fma(va, FloatVector.fromArray(SPECIES, c, ci + 5 * ldc).mul(vb)).intoArray(c, ci + 5 * ldc);
        c51.fma(va, FloatVector.fromArray(SPECIES, c, ci + 5 * ldc + VL).mul(vb)).intoArray(c, ci + 5 * ldc + VL);
      }
      return;
    }
    // An edge tile spills with plain intrinsics: a call taking vectors from this large method may
    // not be inlined (C2's node budget), and a vector passed to a call that is not inlined is boxed.
    c00.intoArray(tile, 0);
    c01.intoArray(tile, VL);
    c10.intoArray(tile, NR);
    c11.intoArray(tile, NR + VL);
    c20.intoArray(tile, 2 * NR);
    c21.intoArray(tile, 2 * NR + VL);
    c30.intoArray(tile, 3 * NR);
    c31.intoArray(tile, 3 * NR + VL);
    c40.intoArray(tile, 4 * NR);
    c41.intoArray(tile, 4 * NR + VL);
    c50.intoArray(tile, 5 * NR);
    c51.intoArray(tile, 5 * NR + VL);
    // Element by element: edge tiles are rare (at most one per panel and k-block), so their fold
    // is compiled by C2 late, and as vector code it ran boxed in C1 until then (245 KB per 2048²
    // product for its first dozen calls).
    storeEdge(tile, c, ci, ldc, mr, nr, alpha, beta);
  }

  /** {@link #run6}'s 12-row twin for AVX-512, whose 32 vector registers hold 24 accumulators. */
  private static void run12(int kc, float[] ap, int ai, float[] bp, int bi,
                            float[] c, int ci, int ldc, int mr, int nr, float alpha, float beta, float[] tile) {
    FloatVector z = FloatVector.zero(SPECIES);
    FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z;
    FloatVector c40 = z, c41 = z, c50 = z, c51 = z, c60 = z, c61 = z, c70 = z, c71 = z;
    FloatVector c80 = z, c81 = z, c90 = z, c91 = z, ca0 = z, ca1 = z, cb0 = z, cb1 = z;
    for (int p = 0; p < kc; p++) {
      int ao = ai + p * 12;
      int bo = bi + p * NR;
      FloatVector b0 = FloatVector.fromArray(SPECIES, bp, bo);
      FloatVector b1 = FloatVector.fromArray(SPECIES, bp, bo + VL);
      FloatVector a = FloatVector.broadcast(SPECIES, ap[ao]);
      c00 = a.fma(b0, c00);
      c01 = a.fma(b1, c01);
      a = FloatVector.broadcast(SPECIES, ap[ao + 1]);
      c10 = a.fma(b0, c10);
      c11 = a.fma(b1, c11);
      a = FloatVector.broadcast(SPECIES, ap[ao + 2]);
      c20 = a.fma(b0, c20);
      c21 = a.fma(b1, c21);
      a = FloatVector.broadcast(SPECIES, ap[ao + 3]);
      c30 = a.fma(b0, c30);
      c31 = a.fma(b1, c31);
      a = FloatVector.broadcast(SPECIES, ap[ao + 4]);
      c40 = a.fma(b0, c40);
      c41 = a.fma(b1, c41);
      a = FloatVector.broadcast(SPECIES, ap[ao + 5]);
      c50 = a.fma(b0, c50);
      c51 = a.fma(b1, c51);
      a = FloatVector.broadcast(SPECIES, ap[ao + 6]);
      c60 = a.fma(b0, c60);
      c61 = a.fma(b1, c61);
      a = FloatVector.broadcast(SPECIES, ap[ao + 7]);
      c70 = a.fma(b0, c70);
      c71 = a.fma(b1, c71);
      a = FloatVector.broadcast(SPECIES, ap[ao + 8]);
      c80 = a.fma(b0, c80);
      c81 = a.fma(b1, c81);
      a = FloatVector.broadcast(SPECIES, ap[ao + 9]);
      c90 = a.fma(b0, c90);
      c91 = a.fma(b1, c91);
      a = FloatVector.broadcast(SPECIES, ap[ao + 10]);
      ca0 = a.fma(b0, ca0);
      ca1 = a.fma(b1, ca1);
      a = FloatVector.broadcast(SPECIES, ap[ao + 11]);
      cb0 = a.fma(b0, cb0);
      cb1 = a.fma(b1, cb1);
    }
    if (mr == 12 && nr == NR && beta == 0f) {
      // the first k-block's fold straight from the registers; the others (C read back)
      // spill and fold below: both in this method, C1 ran out of registers compiling it, and
      // without C1's profile C2 never took it up (every vector boxed, 350 KB per 48×20×24 call)
      FloatVector va = FloatVector.broadcast(SPECIES, alpha);
      c00.mul(va).intoArray(c, ci);
      c01.mul(va).intoArray(c, ci + VL);
      c10.mul(va).intoArray(c, ci + ldc);
      c11.mul(va).intoArray(c, ci + ldc + VL);
      c20.mul(va).intoArray(c, ci + 2 * ldc);
      c21.mul(va).intoArray(c, ci + 2 * ldc + VL);
      c30.mul(va).intoArray(c, ci + 3 * ldc);
      c31.mul(va).intoArray(c, ci + 3 * ldc + VL);
      c40.mul(va).intoArray(c, ci + 4 * ldc);
      c41.mul(va).intoArray(c, ci + 4 * ldc + VL);
      c50.mul(va).intoArray(c, ci + 5 * ldc);
      c51.mul(va).intoArray(c, ci + 5 * ldc + VL);
      c60.mul(va).intoArray(c, ci + 6 * ldc);
      c61.mul(va).intoArray(c, ci + 6 * ldc + VL);
      c70.mul(va).intoArray(c, ci + 7 * ldc);
      c71.mul(va).intoArray(c, ci + 7 * ldc + VL);
      c80.mul(va).intoArray(c, ci + 8 * ldc);
      c81.mul(va).intoArray(c, ci + 8 * ldc + VL);
      c90.mul(va).intoArray(c, ci + 9 * ldc);
      c91.mul(va).intoArray(c, ci + 9 * ldc + VL);
      ca0.mul(va).intoArray(c, ci + 10 * ldc);
      ca1.mul(va).intoArray(c, ci + 10 * ldc + VL);
      cb0.mul(va).intoArray(c, ci + 11 * ldc);
      cb1.mul(va).intoArray(c, ci + 11 * ldc + VL);
      return;
    }
    c00.intoArray(tile, 0);
    c01.intoArray(tile, VL);
    c10.intoArray(tile, NR);
    c11.intoArray(tile, NR + VL);
    c20.intoArray(tile, 2 * NR);
    c21.intoArray(tile, 2 * NR + VL);
    c30.intoArray(tile, 3 * NR);
    c31.intoArray(tile, 3 * NR + VL);
    c40.intoArray(tile, 4 * NR);
    c41.intoArray(tile, 4 * NR + VL);
    c50.intoArray(tile, 5 * NR);
    c51.intoArray(tile, 5 * NR + VL);
    c60.intoArray(tile, 6 * NR);
    c61.intoArray(tile, 6 * NR + VL);
    c70.intoArray(tile, 7 * NR);
    c71.intoArray(tile, 7 * NR + VL);
    c80.intoArray(tile, 8 * NR);
    c81.intoArray(tile, 8 * NR + VL);
    c90.intoArray(tile, 9 * NR);
    c91.intoArray(tile, 9 * NR + VL);
    ca0.intoArray(tile, 10 * NR);
    ca1.intoArray(tile, 10 * NR + VL);
    cb0.intoArray(tile, 11 * NR);
    cb1.intoArray(tile, 11 * NR + VL);
    storeTile(tile, c, ci, ldc, mr, nr, alpha, beta);
  }

  /**
   * {@link #run12}'s 8-row twin, for panels of 8: all of them for products of few rows, else a
   * last one of at most 8 (of a batch of 128 or 256 rows, the last 8 or 4), where 12 rows would
   * spend a third or two thirds of the tile on padding.
   */
  private static void run8(int kc, float[] ap, int ai, float[] bp, int bi,
                           float[] c, int ci, int ldc, int mr, int nr, float alpha, float beta, float[] tile) {
    FloatVector z = FloatVector.zero(SPECIES);
    FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z;
    FloatVector c40 = z, c41 = z, c50 = z, c51 = z, c60 = z, c61 = z, c70 = z, c71 = z;
    for (int p = 0; p < kc; p++) {
      int ao = ai + p * 8;
      int bo = bi + p * NR;
      FloatVector b0 = FloatVector.fromArray(SPECIES, bp, bo);
      FloatVector b1 = FloatVector.fromArray(SPECIES, bp, bo + VL);
      FloatVector a = FloatVector.broadcast(SPECIES, ap[ao]);
      c00 = a.fma(b0, c00);
      c01 = a.fma(b1, c01);
      a = FloatVector.broadcast(SPECIES, ap[ao + 1]);
      c10 = a.fma(b0, c10);
      c11 = a.fma(b1, c11);
      a = FloatVector.broadcast(SPECIES, ap[ao + 2]);
      c20 = a.fma(b0, c20);
      c21 = a.fma(b1, c21);
      a = FloatVector.broadcast(SPECIES, ap[ao + 3]);
      c30 = a.fma(b0, c30);
      c31 = a.fma(b1, c31);
      a = FloatVector.broadcast(SPECIES, ap[ao + 4]);
      c40 = a.fma(b0, c40);
      c41 = a.fma(b1, c41);
      a = FloatVector.broadcast(SPECIES, ap[ao + 5]);
      c50 = a.fma(b0, c50);
      c51 = a.fma(b1, c51);
      a = FloatVector.broadcast(SPECIES, ap[ao + 6]);
      c60 = a.fma(b0, c60);
      c61 = a.fma(b1, c61);
      a = FloatVector.broadcast(SPECIES, ap[ao + 7]);
      c70 = a.fma(b0, c70);
      c71 = a.fma(b1, c71);
    }
    if (mr == 8 && nr == NR) {
      FloatVector va = FloatVector.broadcast(SPECIES, alpha);
      if (beta == 0f) {
        c00.mul(va).intoArray(c, ci);
        c01.mul(va).intoArray(c, ci + VL);
        c10.mul(va).intoArray(c, ci + ldc);
        c11.mul(va).intoArray(c, ci + ldc + VL);
        c20.mul(va).intoArray(c, ci + 2 * ldc);
        c21.mul(va).intoArray(c, ci + 2 * ldc + VL);
        c30.mul(va).intoArray(c, ci + 3 * ldc);
        c31.mul(va).intoArray(c, ci + 3 * ldc + VL);
        c40.mul(va).intoArray(c, ci + 4 * ldc);
        c41.mul(va).intoArray(c, ci + 4 * ldc + VL);
        c50.mul(va).intoArray(c, ci + 5 * ldc);
        c51.mul(va).intoArray(c, ci + 5 * ldc + VL);
        c60.mul(va).intoArray(c, ci + 6 * ldc);
        c61.mul(va).intoArray(c, ci + 6 * ldc + VL);
        c70.mul(va).intoArray(c, ci + 7 * ldc);
        c71.mul(va).intoArray(c, ci + 7 * ldc + VL);
      } else {
        FloatVector vb = FloatVector.broadcast(SPECIES, beta);
        c00.fma(va, FloatVector.fromArray(SPECIES, c, ci).mul(vb)).intoArray(c, ci);
        c01.fma(va, FloatVector.fromArray(SPECIES, c, ci + VL).mul(vb)).intoArray(c, ci + VL);
        c10.fma(va, FloatVector.fromArray(SPECIES, c, ci + ldc).mul(vb)).intoArray(c, ci + ldc);
        c11.fma(va, FloatVector.fromArray(SPECIES, c, ci + ldc + VL).mul(vb)).intoArray(c, ci + ldc + VL);
        c20.fma(va, FloatVector.fromArray(SPECIES, c, ci + 2 * ldc).mul(vb)).intoArray(c, ci + 2 * ldc);
        c21.fma(va, FloatVector.fromArray(SPECIES, c, ci + 2 * ldc + VL).mul(vb)).intoArray(c, ci + 2 * ldc + VL);
        c30.fma(va, FloatVector.fromArray(SPECIES, c, ci + 3 * ldc).mul(vb)).intoArray(c, ci + 3 * ldc);
        c31.fma(va, FloatVector.fromArray(SPECIES, c, ci + 3 * ldc + VL).mul(vb)).intoArray(c, ci + 3 * ldc + VL);
        c40.fma(va, FloatVector.fromArray(SPECIES, c, ci + 4 * ldc).mul(vb)).intoArray(c, ci + 4 * ldc);
        c41.fma(va, FloatVector.fromArray(SPECIES, c, ci + 4 * ldc + VL).mul(vb)).intoArray(c, ci + 4 * ldc + VL);
        c50.fma(va, FloatVector.fromArray(SPECIES, c, ci + 5 * ldc).mul(vb)).intoArray(c, ci + 5 * ldc);
        c51.fma(va, FloatVector.fromArray(SPECIES, c, ci + 5 * ldc + VL).mul(vb)).intoArray(c, ci + 5 * ldc + VL);
        c60.fma(va, FloatVector.fromArray(SPECIES, c, ci + 6 * ldc).mul(vb)).intoArray(c, ci + 6 * ldc);
        c61.fma(va, FloatVector.fromArray(SPECIES, c, ci + 6 * ldc + VL).mul(vb)).intoArray(c, ci + 6 * ldc + VL);
        c70.fma(va, FloatVector.fromArray(SPECIES, c, ci + 7 * ldc).mul(vb)).intoArray(c, ci + 7 * ldc);
        c71.fma(va, FloatVector.fromArray(SPECIES, c, ci + 7 * ldc + VL).mul(vb)).intoArray(c, ci + 7 * ldc + VL);
      }
      return;
    }
    c00.intoArray(tile, 0);
    c01.intoArray(tile, VL);
    c10.intoArray(tile, NR);
    c11.intoArray(tile, NR + VL);
    c20.intoArray(tile, 2 * NR);
    c21.intoArray(tile, 2 * NR + VL);
    c30.intoArray(tile, 3 * NR);
    c31.intoArray(tile, 3 * NR + VL);
    c40.intoArray(tile, 4 * NR);
    c41.intoArray(tile, 4 * NR + VL);
    c50.intoArray(tile, 5 * NR);
    c51.intoArray(tile, 5 * NR + VL);
    c60.intoArray(tile, 6 * NR);
    c61.intoArray(tile, 6 * NR + VL);
    c70.intoArray(tile, 7 * NR);
    c71.intoArray(tile, 7 * NR + VL);
    storeEdge(tile, c, ci, ldc, mr, nr, alpha, beta);
  }

  /**
   * Folds the spilled mr×nr tile into C (the in-place path's): whole vectors when the tile is NR
   * wide, else elements.
   */
  static void storeTile(float[] tile, float[] c, int ci, int ldc, int mr, int nr, float alpha, float beta) {
    if (nr == NR) {
      storeFullRows(tile, c, ci, ldc, mr, alpha, beta);
    } else {
      storeEdge(tile, c, ci, ldc, mr, nr, alpha, beta);
    }
  }

  /** Folds mr full rows (NR wide) of the tile into C. */
  private static void storeFullRows(float[] tile, float[] c, int ci, int ldc, int mr, float alpha, float beta) {
    FloatVector va = FloatVector.broadcast(SPECIES, alpha);
    for (int r = 0; r < mr; r++, ci += ldc) {
      for (int j = 0; j < NR; j += VL) {
        FloatVector s = FloatVector.fromArray(SPECIES, tile, r * NR + j);
        if (beta == 0f) {
          s.mul(va).intoArray(c, ci + j);
        } else {
          s.fma(va, FloatVector.fromArray(SPECIES, c, ci + j).mul(beta)).intoArray(c, ci + j);
        }
      }
    }
  }

  /** The partial tile at the bottom/right edge of C, element by element, same formula. */
  private static void storeEdge(float[] tile, float[] c, int ci, int ldc, int mr, int nr, float alpha, float beta) {
    for (int r = 0; r < mr; r++, ci += ldc) {
      int t = r * NR;
      for (int j = 0; j < nr; j++) {
        c[ci + j] = combine(tile[t + j], c[ci + j], alpha, beta);
      }
    }
  }

  /** The one formula that folds a k-block's sum s into an element of C. */
  static float combine(float s, float cOld, float alpha, float beta) {
    return beta == 0f ? alpha * s : Math.fma(alpha, s, beta * cOld);
  }
}
