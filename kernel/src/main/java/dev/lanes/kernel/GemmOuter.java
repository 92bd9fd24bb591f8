package dev.lanes.kernel;

import static dev.lanes.kernel.GemmBlocking.IN_PLACE_MR;
import static dev.lanes.kernel.GemmBlocking.NR;
import static dev.lanes.kernel.GemmBlocking.SPECIES;
import static dev.lanes.kernel.GemmBlocking.VL;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;

/**
 * The path that packs nothing, for small {@code C = Aᵀ·B} (a layer's dW = dYᵀ·X): there the
 * IN_PLACE_MR values of a tile's A column at step p lie side by side ({@code a[p·lda + i ..]}) and
 * B's NR values too ({@code b[p·ldb + j ..]}), so the micro-kernel reads both where they lie. With
 * few rows each element of B serves only m multiply-adds, and copying B into panels (k·n floats) is
 * a large share of the call, as for 10×128×128 (a 10-class layer's dW). Only a last partial panel
 * of B is copied (zero-padded), per worker. Each element's FMA chain runs over the same
 * k-blocks in the same order as {@link GemmDriver}'s, so both paths give the same bits. Its tiles
 * are {@link GemmInPlace}'s with other strides; one method for both, its strides passed in, ran the
 * in-place path 10–16% slower (64³, 128×256×128: C2 no longer hoisted the range checks), so each
 * keeps its own.
 */
final class GemmOuter extends GemmCall {
  /**
   * Takes this path for transposed A, row-major B, at most two tiles of rows and at most
   * {@link GemmBlocking#IN_PLACE_MNK}. With more rows the packed path wins: each row tile reads
   * B's panels again, and read in place (rows ldb apart) they come from L2 less readily than
   * packed. Measured interleaved against OpenBLAS (AVX-512, one thread): 10×128×128 0.49× → 0.72×,
   * 1×64×64 0.14× → 0.25×, 64×64×64 unchanged, 128×256×128 1.18× → 0.84×.
   */
  static boolean suits(boolean transA, boolean transB, int m, int n, int k) {
    return transA && !transB && m <= 2 * IN_PLACE_MR && (long) m * n * k <= GemmBlocking.IN_PLACE_MNK;
  }

  /** Floats per worker's copy of the edge panel: a k-block of NR columns, padded apart. */
  private int edgeSize;

  @Override
  void prepare(int workers) {
    ws.ensure(workers, 0, 0); // no packed A or B block
    edgeSize = n % NR == 0 ? 0 : GemmBlocking.kBlock(k) * NR + 32;
    ws.smallB(workers * edgeSize);
  }

  /**
   * Workers own disjoint column panels of C, all its rows: each reads only its own columns of B,
   * which in a training step are the columns of the layer input it wrote itself in the forward
   * (column-split too). Split by rows, each read all of B, half of it from the other core's cache:
   * 10×1024×256 (the wide network's last dW) took 130 µs on 2 threads right after the forward
   * product against 62 µs on one. The worker with the partial last panel copies it.
   */
  @Override
  public void run(int worker, int workers) {
    float[] tile = ws.tile[worker];
    float[] edge = ws.smallB;
    int edgeOff = worker * edgeSize;
    int colFrom = GemmDriver.split(n, NR, worker, workers);
    int colTo = GemmDriver.split(n, NR, worker + 1, workers);
    int full = Math.min(colTo, n / NR * NR); // end of this worker's whole panels
    int kb = GemmBlocking.kBlock(k);
    // 9 to 12 rows in one 12-row tile with AVX-512; else tiles as even as can be: 10 rows (AVX2)
    // as 5 + 5 on the 6-row tile, 14 as 7 + 7 on the 8-row one
    int tiles = twelve(m) ? 1 : (m + IN_PLACE_MR - 1) / IN_PLACE_MR;
    for (int pc = 0; pc < k && colFrom < colTo; pc += kb) {
      int kc = Math.min(kb, k - pc);
      float betaK = pc == 0 ? beta : 1f;
      boolean last = act != null && pc + kc == k;
      if (full < colTo) { // the partial last panel, zero-padded to NR
        for (int p = 0, src = bOff + pc * ldb + full, d = edgeOff; p < kc; p++, src += ldb, d += NR) {
          System.arraycopy(b, src, edge, d, n - full);
          Arrays.fill(edge, d + n - full, d + NR, 0f);
        }
      }
      int asOff = aOff + pc * lda; // A's step pc, read in place
      for (int t = 0; t < tiles; t++) {
        int i = m * t / tiles;
        int mr = m * (t + 1) / tiles - i;
        int ai = asOff + i;
        for (int j = colFrom; j < full; j += NR) {
          tile(kc, a, ai, lda, mr, b, bOff + pc * ldb + j, ldb, c, cOff + i * ldc + j, ldc, NR, alpha, betaK, tile);
        }
        if (full < colTo) {
          tile(kc, a, ai, lda, mr, edge, edgeOff, NR, c, cOff + i * ldc + full, ldc, n - full, alpha, betaK, tile);
        }
        if (last) { // these rows of this worker's columns of C are final and in L1
          epilogue(i, colFrom, mr, colTo - colFrom, ws.stage[worker]);
        }
      }
    }
  }

  /** Whether C's 9 to 12 rows run as one tile of 12 ({@link #tile12}), with AVX-512. */
  private static boolean twelve(int m) {
    return IN_PLACE_MR == 8 && m > 8 && m <= 12;
  }

  // a: A at (step p, row r) = a[ai + p*lda + r]; b: B's row p at b[bi + p*bStride], NR floats
  private static void tile(int kc, float[] a, int ai, int lda, int mr, float[] b, int bi, int bStride,
                           float[] c, int ci, int ldc, int nr, float alpha, float beta, float[] tile) {
    if (IN_PLACE_MR == 8 && mr > 8) {
      tile12(kc, a, ai, lda, mr, b, bi, bStride, c, ci, ldc, nr, alpha, beta, tile);
    } else if (IN_PLACE_MR == 8 && mr > 6) {
      tile8(kc, a, ai, lda, mr, b, bi, bStride, c, ci, ldc, nr, alpha, beta, tile);
    } else {
      tile6(kc, a, ai, lda, mr, b, bi, bStride, c, ci, ldc, nr, alpha, beta, tile);
    }
  }

  /**
   * 12 rows × NR columns, for C of 9 to 12 rows (a 10-class layer's dW): B's two vectors per step
   * serve up to 24 multiply-adds, not 12 as on two 6-row tiles. A is read in place: rows 9 to 11
   * enter through a switch that falls through (one predicted jump per step), so no row past mr is
   * read or computed, and a tight A is not read past its end. Always folded through the spill: 24
   * accumulators and folds from the registers in one method is what C1 failed to compile in
   * GemmMicroKernel. Whole calls, interleaved, medians of 5 (GFLOP/s, two tiles → one): 10×128×128
   * 87 → 122, 10×1024×256 83 → 110, 12×256×64 99 → 139, 9×100×100 50 → 63. Then, A's steps copied
   * twelve apart (which the tile read to its 12th row) → read in place through the switch, a copy of
   * the kernel on 10×128×128: 106–111 → 134–140.
   */
  @SuppressWarnings("fallthrough")
  private static void tile12(int kc, float[] a, int ai, int lda, int mr, float[] b, int bi, int bStride,
                             float[] c, int ci, int ldc, int nr, float alpha, float beta, float[] tile) {
    FloatVector z = FloatVector.zero(SPECIES);
    FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z;
    FloatVector c40 = z, c41 = z, c50 = z, c51 = z, c60 = z, c61 = z, c70 = z, c71 = z;
    FloatVector c80 = z, c81 = z, c90 = z, c91 = z, ca0 = z, ca1 = z, cb0 = z, cb1 = z;
    int skip = 12 - mr;
    for (int p = 0; p < kc; p++) {
      int ao = ai + p * lda;
      int bo = bi + p * bStride;
      FloatVector b0 = FloatVector.fromArray(SPECIES, b, bo);
      FloatVector b1 = FloatVector.fromArray(SPECIES, b, bo + VL);
      FloatVector av;
      switch (skip) { // rows 11, 10 and 9 where C has them
        case 0:
          av = FloatVector.broadcast(SPECIES, a[ao + 11]);
          cb0 = av.fma(b0, cb0);
          cb1 = av.fma(b1, cb1);
        case 1:
          av = FloatVector.broadcast(SPECIES, a[ao + 10]);
          ca0 = av.fma(b0, ca0);
          ca1 = av.fma(b1, ca1);
        case 2:
          av = FloatVector.broadcast(SPECIES, a[ao + 9]);
          c90 = av.fma(b0, c90);
          c91 = av.fma(b1, c91);
        default:
      }
      av = FloatVector.broadcast(SPECIES, a[ao]);
      c00 = av.fma(b0, c00);
      c01 = av.fma(b1, c01);
      av = FloatVector.broadcast(SPECIES, a[ao + 1]);
      c10 = av.fma(b0, c10);
      c11 = av.fma(b1, c11);
      av = FloatVector.broadcast(SPECIES, a[ao + 2]);
      c20 = av.fma(b0, c20);
      c21 = av.fma(b1, c21);
      av = FloatVector.broadcast(SPECIES, a[ao + 3]);
      c30 = av.fma(b0, c30);
      c31 = av.fma(b1, c31);
      av = FloatVector.broadcast(SPECIES, a[ao + 4]);
      c40 = av.fma(b0, c40);
      c41 = av.fma(b1, c41);
      av = FloatVector.broadcast(SPECIES, a[ao + 5]);
      c50 = av.fma(b0, c50);
      c51 = av.fma(b1, c51);
      av = FloatVector.broadcast(SPECIES, a[ao + 6]);
      c60 = av.fma(b0, c60);
      c61 = av.fma(b1, c61);
      av = FloatVector.broadcast(SPECIES, a[ao + 7]);
      c70 = av.fma(b0, c70);
      c71 = av.fma(b1, c71);
      av = FloatVector.broadcast(SPECIES, a[ao + 8]);
      c80 = av.fma(b0, c80);
      c81 = av.fma(b1, c81);
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
    GemmMicroKernel.storeTile(tile, c, ci, ldc, mr, nr, alpha, beta);
  }

  /** 6 rows (the last mr real: rows past them repeat row mr − 1 and are not stored) × NR columns. */
  private static void tile6(int kc, float[] a, int ai, int lda, int mr, float[] b, int bi, int bStride,
                             float[] c, int ci, int ldc, int nr, float alpha, float beta, float[] tile) {
    FloatVector z = FloatVector.zero(SPECIES);
    FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z;
    FloatVector c30 = z, c31 = z, c40 = z, c41 = z, c50 = z, c51 = z;
    int o1 = ai + Math.min(1, mr - 1), o2 = ai + Math.min(2, mr - 1), o3 = ai + Math.min(3, mr - 1), o4 = ai + Math.min(4, mr - 1), o5 = ai + Math.min(5, mr - 1);
    for (int p = 0; p < kc; p++) {
      int ap = p * lda;
      int bo = bi + p * bStride;
      FloatVector b0 = FloatVector.fromArray(SPECIES, b, bo);
      FloatVector b1 = FloatVector.fromArray(SPECIES, b, bo + VL);
      FloatVector av = FloatVector.broadcast(SPECIES, a[ai + ap]);
      c00 = av.fma(b0, c00);
      c01 = av.fma(b1, c01);
      av = FloatVector.broadcast(SPECIES, a[o1 + ap]);
      c10 = av.fma(b0, c10);
      c11 = av.fma(b1, c11);
      av = FloatVector.broadcast(SPECIES, a[o2 + ap]);
      c20 = av.fma(b0, c20);
      c21 = av.fma(b1, c21);
      av = FloatVector.broadcast(SPECIES, a[o3 + ap]);
      c30 = av.fma(b0, c30);
      c31 = av.fma(b1, c31);
      av = FloatVector.broadcast(SPECIES, a[o4 + ap]);
      c40 = av.fma(b0, c40);
      c41 = av.fma(b1, c41);
      av = FloatVector.broadcast(SPECIES, a[o5 + ap]);
      c50 = av.fma(b0, c50);
      c51 = av.fma(b1, c51);
    }
    if (mr == 6 && nr == NR) {
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
    GemmMicroKernel.storeTile(tile, c, ci, ldc, mr, nr, alpha, beta);
  }

  /** 8 rows (the last mr real: rows past them repeat row mr − 1 and are not stored) × NR columns. */
  private static void tile8(int kc, float[] a, int ai, int lda, int mr, float[] b, int bi, int bStride,
                             float[] c, int ci, int ldc, int nr, float alpha, float beta, float[] tile) {
    FloatVector z = FloatVector.zero(SPECIES);
    FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z;
    FloatVector c40 = z, c41 = z, c50 = z, c51 = z, c60 = z, c61 = z, c70 = z, c71 = z;
    int o1 = ai + Math.min(1, mr - 1), o2 = ai + Math.min(2, mr - 1), o3 = ai + Math.min(3, mr - 1), o4 = ai + Math.min(4, mr - 1), o5 = ai + Math.min(5, mr - 1), o6 = ai + Math.min(6, mr - 1), o7 = ai + Math.min(7, mr - 1);
    for (int p = 0; p < kc; p++) {
      int ap = p * lda;
      int bo = bi + p * bStride;
      FloatVector b0 = FloatVector.fromArray(SPECIES, b, bo);
      FloatVector b1 = FloatVector.fromArray(SPECIES, b, bo + VL);
      FloatVector av = FloatVector.broadcast(SPECIES, a[ai + ap]);
      c00 = av.fma(b0, c00);
      c01 = av.fma(b1, c01);
      av = FloatVector.broadcast(SPECIES, a[o1 + ap]);
      c10 = av.fma(b0, c10);
      c11 = av.fma(b1, c11);
      av = FloatVector.broadcast(SPECIES, a[o2 + ap]);
      c20 = av.fma(b0, c20);
      c21 = av.fma(b1, c21);
      av = FloatVector.broadcast(SPECIES, a[o3 + ap]);
      c30 = av.fma(b0, c30);
      c31 = av.fma(b1, c31);
      av = FloatVector.broadcast(SPECIES, a[o4 + ap]);
      c40 = av.fma(b0, c40);
      c41 = av.fma(b1, c41);
      av = FloatVector.broadcast(SPECIES, a[o5 + ap]);
      c50 = av.fma(b0, c50);
      c51 = av.fma(b1, c51);
      av = FloatVector.broadcast(SPECIES, a[o6 + ap]);
      c60 = av.fma(b0, c60);
      c61 = av.fma(b1, c61);
      av = FloatVector.broadcast(SPECIES, a[o7 + ap]);
      c70 = av.fma(b0, c70);
      c71 = av.fma(b1, c71);
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
    GemmMicroKernel.storeTile(tile, c, ci, ldc, mr, nr, alpha, beta);
  }
}
