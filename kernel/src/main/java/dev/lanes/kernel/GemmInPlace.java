package dev.lanes.kernel;

import static dev.lanes.kernel.GemmBlocking.IN_PLACE_MR;
import static dev.lanes.kernel.GemmBlocking.KC;
import static dev.lanes.kernel.GemmBlocking.NR;
import static dev.lanes.kernel.GemmBlocking.SPECIES;
import static dev.lanes.kernel.GemmBlocking.VL;

import jdk.incubator.vector.FloatVector;

/**
 * The path that does not pack A in blocks, for products where that does not pay: small ones,
 * narrow ones (n ≤ NR, like a 10-class output layer) where each element of A is used only n times,
 * and with AVX-512 shallow ones (k ≤ {@link GemmShallow#DEPTH}), which {@link GemmShallow} runs.
 * A register tile like {@link GemmMicroKernel}'s, IN_PLACE_MR×NR, with A read where it lies
 * (row-major A only: its rows are contiguous in k) or, with AVX-512 and several column panels,
 * copied eight rows at a time into a scratch ({@link #rows8}); op(B) packed whole as usual, which
 * costs k·n. The arithmetic is the packed path's, element for element (same k-blocks, same FMA
 * chain, same fold into C), so both paths give the same bits.
 *
 * <p>A transposed-output instance stores element (i, j) of the product at {@code c[cOff + j·ldc + i]}:
 * with it, a product with few rows {@code C = A·Bᵀ} runs as {@code Cᵀ = B·Aᵀ}, reading the large B
 * in place and packing only the small A (see {@link #swaps}). As FMA's product commutes, the bits
 * are those of the direct product.
 */
final class GemmInPlace extends GemmCall {
  /** op(B) already packed whole ({@link PackedWeights}), or null to pack it in this call. */
  float[] prepacked;
  /** Whether C is stored transposed. */
  private final boolean transposedC;

  GemmInPlace(boolean transposedC) {
    this.transposedC = transposedC;
  }

  /** Takes this path when packing A would not pay. */
  static boolean suits(boolean transA, int m, int n, int k) {
    return !transA && (n <= NR || (long) m * n * k <= GemmBlocking.IN_PLACE_MNK || shallow(k));
  }

  /** Whether {@link GemmShallow} takes a product of depth k (with AVX-512's 32 registers). */
  private static boolean shallow(int k) {
    return IN_PLACE_MR == 8 && k <= GemmShallow.DEPTH;
  }

  /**
   * Whether {@code C = A·Bᵀ} (row-major A m×k and B n×k) should run as {@code Cᵀ = B·Aᵀ} on a
   * transposed-output instance: when A has at most {@link GemmBlocking#SWAP_ROWS} rows and B more,
   * the transposing pack of B (k·n, every call of a layer's forward) costs more than the products
   * it feeds, while the swapped call packs only A's k·m. And, A no larger, when C is at most a
   * quarter of a vector wide (a 1-output layer): unswapped, each of its rows fills a whole vector
   * for n real columns; swapped, its n rows run along full vectors (64×1×64: 0.7 against 1.7 µs).
   * The swapped call packs A whole, so A's rows stay bounded in both cases.
   */
  static boolean swaps(boolean transA, boolean transB, int m, int n) {
    return !transA && transB && m <= GemmBlocking.SWAP_ROWS && (n > m || n <= VL / 4 && n < m);
  }

  @Override
  void prepare(int workers) {
    ws.ensure(workers, IN_PLACE_MR == 8 ? KC : 0, 0); // rows of A for rows8; no packed B block
    if (prepacked == null) {
      ws.smallB(k * GemmWorkspace.roundUp(n, NR));
    }
  }

  /**
   * C = alpha·A·op(B) + beta·C for row-major A (m×k at a[aOff + i*lda + p]). Workers pack disjoint
   * panels of B; then, when C has at least two panels per worker and B is no smaller than A
   * ({@link #byColumns}), each multiplies all rows by the panels it packed, with no barrier; else
   * they meet once and own disjoint rows of C.
   */
  @Override
  public void run(int worker, int workers) {
    // op(B) packed whole: panel jr (NR columns) at packed[jr*k], row p of it at + p*NR
    int packFrom = GemmDriver.split(n, NR, worker, workers), packTo = GemmDriver.split(n, NR, worker + 1, workers);
    boolean columns = byColumns(workers);
    float[] packed = prepacked;
    if (packed == null) {
      packed = ws.smallB;
      GemmPacking.packB(transB, b, bOff, ldb, 0, k, 0, n, packFrom, packTo, packed);
      if (workers > 1 && !columns) {
        pool.barrier();
      }
    }
    float[] tile = ws.tile[worker];
    float[] rowsA = ws.packedA[worker]; // eight rows of A, KC apart: see rows8
    int rowFrom = columns ? 0 : GemmDriver.split(m, IN_PLACE_MR, worker, workers);
    int rowTo = columns ? m : GemmDriver.split(m, IN_PLACE_MR, worker + 1, workers);
    int colFrom = columns ? packFrom : 0, colTo = columns ? packTo : n, cols = colTo - colFrom;
    if (shallow(k) && !transposedC && n >= NR) { // one k-block
      int group = GemmShallow.rowsPerCall(ldc);
      for (int i = rowFrom; i < rowTo; i += group) {
        int rows = Math.min(group, rowTo - i);
        GemmShallow.rows(k, a, aOff + i * lda, lda, rows, packed, colFrom * k, k * NR,
            c, cOff + i * ldc + colFrom, ldc, cols, alpha, beta, tile);
        if (act != null) {
          epilogue(i, colFrom, rows, cols, ws.stage[worker]);
        }
      }
      return;
    }
    int kb = GemmBlocking.kBlock(k);
    int rowStep = transposedC ? 1 : ldc; // where C's element (i, j) lies: cOff + i*rowStep + j*colStep
    int colStep = transposedC ? ldc : 1;
    for (int pc = 0; pc < k; pc += kb) {
      int kc = Math.min(kb, k - pc);
      float betaK = pc == 0 ? beta : 1f;
      boolean last = act != null && pc + kc == k;
      int i = rowFrom;
      for (; i + IN_PLACE_MR <= rowTo; i += IN_PLACE_MR) {
        int ci = cOff + i * rowStep + colFrom * colStep, bi = colFrom * k + pc * NR;
        if (IN_PLACE_MR == 8 && cols <= VL) {
          narrow8(kc, a, aOff + i * lda + pc, lda, packed, bi, c, ci, rowStep, colStep, cols, alpha, betaK, tile);
        } else if (IN_PLACE_MR == 8 && cols <= NR) {
          tile8(kc, a, aOff + i * lda + pc, lda, packed, bi, c, ci, rowStep, colStep, cols, alpha, betaK, tile);
        } else if (IN_PLACE_MR == 8) {
          copyRows8(a, aOff + i * lda + pc, lda, kc, rowsA);
          rows8(kc, rowsA, packed, bi, k * NR, c, ci, rowStep, colStep, cols, alpha, betaK, tile);
        } else {
          for (int j = colFrom; j < colTo; j += NR) {
            tile6(kc, a, aOff + i * lda + pc, lda, packed, j * k + pc * NR,
                c, cOff + i * rowStep + j * colStep, rowStep, colStep, Math.min(NR, colTo - j), alpha, betaK, tile);
          }
        }
        if (last) { // these rows of C are final and in L1
          epilogue(i, colFrom, IN_PLACE_MR, cols, ws.stage[worker]);
        }
      }
      for (; i < rowTo; i++) {
        int j = colFrom;
        for (; j + 3 * NR < colTo; j += 4 * NR) { // four panels at once: eight FMA chains hide the latency
          row4(kc, k, a, aOff + i * lda + pc, packed, j * k + pc * NR,
              c, cOff + i * rowStep + j * colStep, colStep, colTo - j, alpha, betaK, tile);
        }
        for (; j < colTo; j += NR) {
          row(kc, a, aOff + i * lda + pc, packed, j * k + pc * NR,
              c, cOff + i * rowStep + j * colStep, colStep, Math.min(NR, colTo - j), alpha, betaK, tile);
        }
        if (last) {
          epilogue(i, colFrom, 1, cols, ws.stage[worker]);
        }
      }
    }
  }

  /**
   * Whether workers own column ranges of C rather than rows: at least two panels each, and op(B)
   * no smaller than A (n ≥ m). Each then multiplies only the panels it packed itself and needs no
   * barrier; with rows split, each reads every panel, half of them from the other core's cache.
   */
  private boolean byColumns(int workers) {
    return workers > 1 && prepacked == null && n >= m && (n + NR - 1) / NR >= 2 * workers;
  }

  /** One 6×NR tile of C (AVX2); A in place (row r, step p at a[ai + r*lda + p]), B packed. */
  private static void tile6(int kc, float[] a, int ai, int lda, float[] bp, int bi, float[] c, int ci,
                            int rowStep, int colStep, int nr, float alpha, float beta, float[] tile) {
    FloatVector z = FloatVector.zero(SPECIES);
    FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z;
    FloatVector c30 = z, c31 = z, c40 = z, c41 = z, c50 = z, c51 = z;
    int a1 = ai + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda;
    for (int p = 0; p < kc; p++) { // constant strides, so C2 hoists every range check
      int bo = bi + p * NR;
      FloatVector b0 = FloatVector.fromArray(SPECIES, bp, bo);
      FloatVector b1 = FloatVector.fromArray(SPECIES, bp, bo + VL);
      FloatVector av = FloatVector.broadcast(SPECIES, a[ai + p]);
      c00 = av.fma(b0, c00);
      c01 = av.fma(b1, c01);
      av = FloatVector.broadcast(SPECIES, a[a1 + p]);
      c10 = av.fma(b0, c10);
      c11 = av.fma(b1, c11);
      av = FloatVector.broadcast(SPECIES, a[a2 + p]);
      c20 = av.fma(b0, c20);
      c21 = av.fma(b1, c21);
      av = FloatVector.broadcast(SPECIES, a[a3 + p]);
      c30 = av.fma(b0, c30);
      c31 = av.fma(b1, c31);
      av = FloatVector.broadcast(SPECIES, a[a4 + p]);
      c40 = av.fma(b0, c40);
      c41 = av.fma(b1, c41);
      av = FloatVector.broadcast(SPECIES, a[a5 + p]);
      c50 = av.fma(b0, c50);
      c51 = av.fma(b1, c51);
    }
    if (colStep == 1 && nr == NR) { // a whole tile of a row-major C: fold from the registers
      FloatVector va = FloatVector.broadcast(SPECIES, alpha);
      if (beta == 0f) {
        c00.mul(va).intoArray(c, ci);
        c01.mul(va).intoArray(c, ci + VL);
        c10.mul(va).intoArray(c, ci + rowStep);
        c11.mul(va).intoArray(c, ci + rowStep + VL);
        c20.mul(va).intoArray(c, ci + 2 * rowStep);
        c21.mul(va).intoArray(c, ci + 2 * rowStep + VL);
        c30.mul(va).intoArray(c, ci + 3 * rowStep);
        c31.mul(va).intoArray(c, ci + 3 * rowStep + VL);
        c40.mul(va).intoArray(c, ci + 4 * rowStep);
        c41.mul(va).intoArray(c, ci + 4 * rowStep + VL);
        c50.mul(va).intoArray(c, ci + 5 * rowStep);
        c51.mul(va).intoArray(c, ci + 5 * rowStep + VL);
      } else {
        FloatVector vb = FloatVector.broadcast(SPECIES, beta);
        c00.fma(va, FloatVector.fromArray(SPECIES, c, ci).mul(vb)).intoArray(c, ci);
        c01.fma(va, FloatVector.fromArray(SPECIES, c, ci + VL).mul(vb)).intoArray(c, ci + VL);
        c10.fma(va, FloatVector.fromArray(SPECIES, c, ci + rowStep).mul(vb)).intoArray(c, ci + rowStep);
        c11.fma(va, FloatVector.fromArray(SPECIES, c, ci + rowStep + VL).mul(vb)).intoArray(c, ci + rowStep + VL);
        c20.fma(va, FloatVector.fromArray(SPECIES, c, ci + 2 * rowStep).mul(vb)).intoArray(c, ci + 2 * rowStep);
        c21.fma(va, FloatVector.fromArray(SPECIES, c, ci + 2 * rowStep + VL).mul(vb)).intoArray(c, ci + 2 * rowStep + VL);
        c30.fma(va, FloatVector.fromArray(SPECIES, c, ci + 3 * rowStep).mul(vb)).intoArray(c, ci + 3 * rowStep);
        c31.fma(va, FloatVector.fromArray(SPECIES, c, ci + 3 * rowStep + VL).mul(vb)).intoArray(c, ci + 3 * rowStep + VL);
        c40.fma(va, FloatVector.fromArray(SPECIES, c, ci + 4 * rowStep).mul(vb)).intoArray(c, ci + 4 * rowStep);
        c41.fma(va, FloatVector.fromArray(SPECIES, c, ci + 4 * rowStep + VL).mul(vb)).intoArray(c, ci + 4 * rowStep + VL);
        c50.fma(va, FloatVector.fromArray(SPECIES, c, ci + 5 * rowStep).mul(vb)).intoArray(c, ci + 5 * rowStep);
        c51.fma(va, FloatVector.fromArray(SPECIES, c, ci + 5 * rowStep + VL).mul(vb)).intoArray(c, ci + 5 * rowStep + VL);
      }
      return;
    }
    // Spill with intrinsics only (see GemmMicroKernel: vectors passed to calls may be boxed).
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
    store(tile, c, ci, rowStep, colStep, 6, nr, alpha, beta);
  }

  /** {@link #tile6}'s 8-row twin for AVX-512, for C of one column panel (see rows8). */
  private static void tile8(int kc, float[] a, int ai, int lda, float[] bp, int bi, float[] c, int ci,
                            int rowStep, int colStep, int nr, float alpha, float beta, float[] tile) {
    FloatVector z = FloatVector.zero(SPECIES);
    FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z;
    FloatVector c40 = z, c41 = z, c50 = z, c51 = z, c60 = z, c61 = z, c70 = z, c71 = z;
    int a1 = ai + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda, a6 = a5 + lda, a7 = a6 + lda;
    for (int p = 0; p < kc; p++) {
      int bo = bi + p * NR;
      FloatVector b0 = FloatVector.fromArray(SPECIES, bp, bo);
      FloatVector b1 = FloatVector.fromArray(SPECIES, bp, bo + VL);
      FloatVector av = FloatVector.broadcast(SPECIES, a[ai + p]);
      c00 = av.fma(b0, c00);
      c01 = av.fma(b1, c01);
      av = FloatVector.broadcast(SPECIES, a[a1 + p]);
      c10 = av.fma(b0, c10);
      c11 = av.fma(b1, c11);
      av = FloatVector.broadcast(SPECIES, a[a2 + p]);
      c20 = av.fma(b0, c20);
      c21 = av.fma(b1, c21);
      av = FloatVector.broadcast(SPECIES, a[a3 + p]);
      c30 = av.fma(b0, c30);
      c31 = av.fma(b1, c31);
      av = FloatVector.broadcast(SPECIES, a[a4 + p]);
      c40 = av.fma(b0, c40);
      c41 = av.fma(b1, c41);
      av = FloatVector.broadcast(SPECIES, a[a5 + p]);
      c50 = av.fma(b0, c50);
      c51 = av.fma(b1, c51);
      av = FloatVector.broadcast(SPECIES, a[a6 + p]);
      c60 = av.fma(b0, c60);
      c61 = av.fma(b1, c61);
      av = FloatVector.broadcast(SPECIES, a[a7 + p]);
      c70 = av.fma(b0, c70);
      c71 = av.fma(b1, c71);
    }
    if (colStep == 1 && nr == NR) {
      FloatVector va = FloatVector.broadcast(SPECIES, alpha);
      if (beta == 0f) {
        c00.mul(va).intoArray(c, ci);
        c01.mul(va).intoArray(c, ci + VL);
        c10.mul(va).intoArray(c, ci + rowStep);
        c11.mul(va).intoArray(c, ci + rowStep + VL);
        c20.mul(va).intoArray(c, ci + 2 * rowStep);
        c21.mul(va).intoArray(c, ci + 2 * rowStep + VL);
        c30.mul(va).intoArray(c, ci + 3 * rowStep);
        c31.mul(va).intoArray(c, ci + 3 * rowStep + VL);
        c40.mul(va).intoArray(c, ci + 4 * rowStep);
        c41.mul(va).intoArray(c, ci + 4 * rowStep + VL);
        c50.mul(va).intoArray(c, ci + 5 * rowStep);
        c51.mul(va).intoArray(c, ci + 5 * rowStep + VL);
        c60.mul(va).intoArray(c, ci + 6 * rowStep);
        c61.mul(va).intoArray(c, ci + 6 * rowStep + VL);
        c70.mul(va).intoArray(c, ci + 7 * rowStep);
        c71.mul(va).intoArray(c, ci + 7 * rowStep + VL);
      } else {
        FloatVector vb = FloatVector.broadcast(SPECIES, beta);
        c00.fma(va, FloatVector.fromArray(SPECIES, c, ci).mul(vb)).intoArray(c, ci);
        c01.fma(va, FloatVector.fromArray(SPECIES, c, ci + VL).mul(vb)).intoArray(c, ci + VL);
        c10.fma(va, FloatVector.fromArray(SPECIES, c, ci + rowStep).mul(vb)).intoArray(c, ci + rowStep);
        c11.fma(va, FloatVector.fromArray(SPECIES, c, ci + rowStep + VL).mul(vb)).intoArray(c, ci + rowStep + VL);
        c20.fma(va, FloatVector.fromArray(SPECIES, c, ci + 2 * rowStep).mul(vb)).intoArray(c, ci + 2 * rowStep);
        c21.fma(va, FloatVector.fromArray(SPECIES, c, ci + 2 * rowStep + VL).mul(vb)).intoArray(c, ci + 2 * rowStep + VL);
        c30.fma(va, FloatVector.fromArray(SPECIES, c, ci + 3 * rowStep).mul(vb)).intoArray(c, ci + 3 * rowStep);
        c31.fma(va, FloatVector.fromArray(SPECIES, c, ci + 3 * rowStep + VL).mul(vb)).intoArray(c, ci + 3 * rowStep + VL);
        c40.fma(va, FloatVector.fromArray(SPECIES, c, ci + 4 * rowStep).mul(vb)).intoArray(c, ci + 4 * rowStep);
        c41.fma(va, FloatVector.fromArray(SPECIES, c, ci + 4 * rowStep + VL).mul(vb)).intoArray(c, ci + 4 * rowStep + VL);
        c50.fma(va, FloatVector.fromArray(SPECIES, c, ci + 5 * rowStep).mul(vb)).intoArray(c, ci + 5 * rowStep);
        c51.fma(va, FloatVector.fromArray(SPECIES, c, ci + 5 * rowStep + VL).mul(vb)).intoArray(c, ci + 5 * rowStep + VL);
        c60.fma(va, FloatVector.fromArray(SPECIES, c, ci + 6 * rowStep).mul(vb)).intoArray(c, ci + 6 * rowStep);
        c61.fma(va, FloatVector.fromArray(SPECIES, c, ci + 6 * rowStep + VL).mul(vb)).intoArray(c, ci + 6 * rowStep + VL);
        c70.fma(va, FloatVector.fromArray(SPECIES, c, ci + 7 * rowStep).mul(vb)).intoArray(c, ci + 7 * rowStep);
        c71.fma(va, FloatVector.fromArray(SPECIES, c, ci + 7 * rowStep + VL).mul(vb)).intoArray(c, ci + 7 * rowStep + VL);
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
    store(tile, c, ci, rowStep, colStep, 8, nr, alpha, beta);
  }

  /**
   * Copies eight rows of kc floats of A, lda apart, to {@code rows}, KC apart (kc ≤ KC). By whole
   * vectors while the source has them, spilling up to VL − 1 floats past a row's kc that nothing
   * reads: 10 floats a row (a 10-class layer's dX) cost a call of System.arraycopy each.
   */
  private static void copyRows8(float[] a, int ai, int lda, int kc, float[] rows) {
    int whole = (kc + VL - 1) / VL * VL;
    for (int r = 0, src = ai; r < 8; r++, src += lda) {
      if (src <= a.length - whole) {
        for (int q = 0; q < kc; q += VL) {
          FloatVector.fromArray(SPECIES, a, src + q).intoArray(rows, r * KC + q);
        }
      } else {
        System.arraycopy(a, src, rows, r * KC, kc);
      }
    }
  }

  /**
   * Eight rows of C, one column panel after another in one call (AVX-512): A's eight rows copied KC
   * apart (step p of row r at a[p + r*KC], see {@link #copyRows8}), B's panels panelStep apart. One
   * call per eight rows, not per tile: with a short k loop (a 10-class layer's dX, k = 10) the call
   * and loop set-up of each tile cost a tenth of it. The copy puts A's rows at constant distances,
   * one index register for the eight loads where A in place needs eight (and spilled one).
   * Interleaved in one process, medians of 5 (GFLOP/s): a call per tile, A in place → in place, a
   * call per 8 rows → copied rows (the last two with the plain store below): 128×128×10 99 → 108 →
   * 113; 128×256×128 133 → 139 → 148; 64×64×64 136 → 143 → 148; 100³ 95 → 88 → 98. Storing a plain
   * product (alpha 1, beta 0) without multiplying by alpha: 128×128×10 105 → 110 (medians of 7). C
   * of one column panel takes {@link #tile8} instead, A in place: the copy would serve a single
   * tile (the swapped forward of a batch-32 layer, Cᵀ = W·Xᵀ of 256×32×784, ran 109 → 102 GFLOP/s
   * with it).
   */
  private static void rows8(int kc, float[] a, float[] bp, int bi, int panelStep, float[] c, int ci,
                            int rowStep, int colStep, int n, float alpha, float beta, float[] tile) {
    for (int j = 0; j < n; j += NR, bi += panelStep, ci += NR * colStep) {
      FloatVector z = FloatVector.zero(SPECIES);
      FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z;
      FloatVector c40 = z, c41 = z, c50 = z, c51 = z, c60 = z, c61 = z, c70 = z, c71 = z;
      for (int p = 0; p < kc; p++) {
        int bo = bi + p * NR;
        FloatVector b0 = FloatVector.fromArray(SPECIES, bp, bo);
        FloatVector b1 = FloatVector.fromArray(SPECIES, bp, bo + VL);
        FloatVector av = FloatVector.broadcast(SPECIES, a[p]);
        c00 = av.fma(b0, c00);
        c01 = av.fma(b1, c01);
        av = FloatVector.broadcast(SPECIES, a[p + 1 * KC]);
        c10 = av.fma(b0, c10);
        c11 = av.fma(b1, c11);
        av = FloatVector.broadcast(SPECIES, a[p + 2 * KC]);
        c20 = av.fma(b0, c20);
        c21 = av.fma(b1, c21);
        av = FloatVector.broadcast(SPECIES, a[p + 3 * KC]);
        c30 = av.fma(b0, c30);
        c31 = av.fma(b1, c31);
        av = FloatVector.broadcast(SPECIES, a[p + 4 * KC]);
        c40 = av.fma(b0, c40);
        c41 = av.fma(b1, c41);
        av = FloatVector.broadcast(SPECIES, a[p + 5 * KC]);
        c50 = av.fma(b0, c50);
        c51 = av.fma(b1, c51);
        av = FloatVector.broadcast(SPECIES, a[p + 6 * KC]);
        c60 = av.fma(b0, c60);
        c61 = av.fma(b1, c61);
        av = FloatVector.broadcast(SPECIES, a[p + 7 * KC]);
        c70 = av.fma(b0, c70);
        c71 = av.fma(b1, c71);
      }
      if (colStep == 1 && n - j >= NR) { // a whole tile of a row-major C: fold from the registers
        if (beta == 0f && alpha == 1f) { // a plain product (a layer's dX): alpha·s is s, no multiply
          c00.intoArray(c, ci);
          c01.intoArray(c, ci + VL);
          c10.intoArray(c, ci + rowStep);
          c11.intoArray(c, ci + rowStep + VL);
          c20.intoArray(c, ci + 2 * rowStep);
          c21.intoArray(c, ci + 2 * rowStep + VL);
          c30.intoArray(c, ci + 3 * rowStep);
          c31.intoArray(c, ci + 3 * rowStep + VL);
          c40.intoArray(c, ci + 4 * rowStep);
          c41.intoArray(c, ci + 4 * rowStep + VL);
          c50.intoArray(c, ci + 5 * rowStep);
          c51.intoArray(c, ci + 5 * rowStep + VL);
          c60.intoArray(c, ci + 6 * rowStep);
          c61.intoArray(c, ci + 6 * rowStep + VL);
          c70.intoArray(c, ci + 7 * rowStep);
          c71.intoArray(c, ci + 7 * rowStep + VL);
          continue;
        }
        FloatVector va = FloatVector.broadcast(SPECIES, alpha);
        if (beta == 0f) {
          c00.mul(va).intoArray(c, ci);
          c01.mul(va).intoArray(c, ci + VL);
          c10.mul(va).intoArray(c, ci + rowStep);
          c11.mul(va).intoArray(c, ci + rowStep + VL);
          c20.mul(va).intoArray(c, ci + 2 * rowStep);
          c21.mul(va).intoArray(c, ci + 2 * rowStep + VL);
          c30.mul(va).intoArray(c, ci + 3 * rowStep);
          c31.mul(va).intoArray(c, ci + 3 * rowStep + VL);
          c40.mul(va).intoArray(c, ci + 4 * rowStep);
          c41.mul(va).intoArray(c, ci + 4 * rowStep + VL);
          c50.mul(va).intoArray(c, ci + 5 * rowStep);
          c51.mul(va).intoArray(c, ci + 5 * rowStep + VL);
          c60.mul(va).intoArray(c, ci + 6 * rowStep);
          c61.mul(va).intoArray(c, ci + 6 * rowStep + VL);
          c70.mul(va).intoArray(c, ci + 7 * rowStep);
          c71.mul(va).intoArray(c, ci + 7 * rowStep + VL);
        } else {
          FloatVector vb = FloatVector.broadcast(SPECIES, beta);
          c00.fma(va, FloatVector.fromArray(SPECIES, c, ci).mul(vb)).intoArray(c, ci);
          c01.fma(va, FloatVector.fromArray(SPECIES, c, ci + VL).mul(vb)).intoArray(c, ci + VL);
          c10.fma(va, FloatVector.fromArray(SPECIES, c, ci + rowStep).mul(vb)).intoArray(c, ci + rowStep);
          c11.fma(va, FloatVector.fromArray(SPECIES, c, ci + rowStep + VL).mul(vb)).intoArray(c, ci + rowStep + VL);
          c20.fma(va, FloatVector.fromArray(SPECIES, c, ci + 2 * rowStep).mul(vb)).intoArray(c, ci + 2 * rowStep);
          c21.fma(va, FloatVector.fromArray(SPECIES, c, ci + 2 * rowStep + VL).mul(vb)).intoArray(c, ci + 2 * rowStep + VL);
          c30.fma(va, FloatVector.fromArray(SPECIES, c, ci + 3 * rowStep).mul(vb)).intoArray(c, ci + 3 * rowStep);
          c31.fma(va, FloatVector.fromArray(SPECIES, c, ci + 3 * rowStep + VL).mul(vb)).intoArray(c, ci + 3 * rowStep + VL);
          c40.fma(va, FloatVector.fromArray(SPECIES, c, ci + 4 * rowStep).mul(vb)).intoArray(c, ci + 4 * rowStep);
          c41.fma(va, FloatVector.fromArray(SPECIES, c, ci + 4 * rowStep + VL).mul(vb)).intoArray(c, ci + 4 * rowStep + VL);
          c50.fma(va, FloatVector.fromArray(SPECIES, c, ci + 5 * rowStep).mul(vb)).intoArray(c, ci + 5 * rowStep);
          c51.fma(va, FloatVector.fromArray(SPECIES, c, ci + 5 * rowStep + VL).mul(vb)).intoArray(c, ci + 5 * rowStep + VL);
          c60.fma(va, FloatVector.fromArray(SPECIES, c, ci + 6 * rowStep).mul(vb)).intoArray(c, ci + 6 * rowStep);
          c61.fma(va, FloatVector.fromArray(SPECIES, c, ci + 6 * rowStep + VL).mul(vb)).intoArray(c, ci + 6 * rowStep + VL);
          c70.fma(va, FloatVector.fromArray(SPECIES, c, ci + 7 * rowStep).mul(vb)).intoArray(c, ci + 7 * rowStep);
          c71.fma(va, FloatVector.fromArray(SPECIES, c, ci + 7 * rowStep + VL).mul(vb)).intoArray(c, ci + 7 * rowStep + VL);
        }
        continue;
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
      store(tile, c, ci, rowStep, colStep, 8, Math.min(NR, n - j), alpha, beta);
    }
  }

  /**
   * Eight rows of C no wider than one vector (a 10-class output layer with AVX-512): the tile of
   * {@link #rows8} on the first vector of each packed row only, half its multiply-adds; A in place.
   */
  private static void narrow8(int kc, float[] a, int ai, int lda, float[] bp, int bi, float[] c, int ci,
                              int rowStep, int colStep, int nr, float alpha, float beta, float[] tile) {
    FloatVector c0 = FloatVector.zero(SPECIES);
    FloatVector c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
    int a1 = ai + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda, a6 = a5 + lda, a7 = a6 + lda;
    for (int p = 0; p < kc; p++) {
      FloatVector b0 = FloatVector.fromArray(SPECIES, bp, bi + p * NR);
      c0 = FloatVector.broadcast(SPECIES, a[ai + p]).fma(b0, c0);
      c1 = FloatVector.broadcast(SPECIES, a[a1 + p]).fma(b0, c1);
      c2 = FloatVector.broadcast(SPECIES, a[a2 + p]).fma(b0, c2);
      c3 = FloatVector.broadcast(SPECIES, a[a3 + p]).fma(b0, c3);
      c4 = FloatVector.broadcast(SPECIES, a[a4 + p]).fma(b0, c4);
      c5 = FloatVector.broadcast(SPECIES, a[a5 + p]).fma(b0, c5);
      c6 = FloatVector.broadcast(SPECIES, a[a6 + p]).fma(b0, c6);
      c7 = FloatVector.broadcast(SPECIES, a[a7 + p]).fma(b0, c7);
    }
    c0.intoArray(tile, 0);
    c1.intoArray(tile, NR);
    c2.intoArray(tile, 2 * NR);
    c3.intoArray(tile, 3 * NR);
    c4.intoArray(tile, 4 * NR);
    c5.intoArray(tile, 5 * NR);
    c6.intoArray(tile, 6 * NR);
    c7.intoArray(tile, 7 * NR);
    store(tile, c, ci, rowStep, colStep, 8, nr, alpha, beta);
  }

  /** One row of up to NR columns of C, for the rows left below the last whole tile. */
  private static void row(int kc, float[] a, int ai, float[] bp, int bi,
                          float[] c, int ci, int colStep, int nr, float alpha, float beta, float[] tile) {
    FloatVector s0 = FloatVector.zero(SPECIES);
    FloatVector s1 = s0;
    for (int p = 0; p < kc; p++) {
      int bo = bi + p * NR;
      FloatVector av = FloatVector.broadcast(SPECIES, a[ai + p]);
      s0 = av.fma(FloatVector.fromArray(SPECIES, bp, bo), s0);
      s1 = av.fma(FloatVector.fromArray(SPECIES, bp, bo + VL), s1);
    }
    s0.intoArray(tile, 0);
    s1.intoArray(tile, VL);
    store(tile, c, ci, 0, colStep, 1, nr, alpha, beta);
  }

  /**
   * One row of four panels of C (up to 4·NR columns, {@code cols} of them real), each element by
   * the same FMA chain as {@link #row}; the panels lie k·NR apart in the packed B.
   */
  private static void row4(int kc, int k, float[] a, int ai, float[] bp, int bi,
                           float[] c, int ci, int colStep, int cols, float alpha, float beta, float[] tile) {
    FloatVector s0 = FloatVector.zero(SPECIES);
    FloatVector s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
    int b1 = bi + k * NR, b2 = b1 + k * NR, b3 = b2 + k * NR;
    for (int p = 0; p < kc; p++) {
      int o = p * NR;
      FloatVector av = FloatVector.broadcast(SPECIES, a[ai + p]);
      s0 = av.fma(FloatVector.fromArray(SPECIES, bp, bi + o), s0);
      s1 = av.fma(FloatVector.fromArray(SPECIES, bp, bi + o + VL), s1);
      s2 = av.fma(FloatVector.fromArray(SPECIES, bp, b1 + o), s2);
      s3 = av.fma(FloatVector.fromArray(SPECIES, bp, b1 + o + VL), s3);
      s4 = av.fma(FloatVector.fromArray(SPECIES, bp, b2 + o), s4);
      s5 = av.fma(FloatVector.fromArray(SPECIES, bp, b2 + o + VL), s5);
      s6 = av.fma(FloatVector.fromArray(SPECIES, bp, b3 + o), s6);
      s7 = av.fma(FloatVector.fromArray(SPECIES, bp, b3 + o + VL), s7);
    }
    // The four panels lie side by side in C, so they fold as the tile's rows NR columns apart:
    // one vector fold, not four (with four inlined, C2 dropped the broadcast intrinsic in one and
    // boxed it: 3 KB per step of the wide model).
    s0.intoArray(tile, 0);
    s1.intoArray(tile, VL);
    s2.intoArray(tile, NR);
    s3.intoArray(tile, NR + VL);
    s4.intoArray(tile, 2 * NR);
    s5.intoArray(tile, 2 * NR + VL);
    s6.intoArray(tile, 3 * NR);
    s7.intoArray(tile, 3 * NR + VL);
    int full = Math.min(4, cols / NR); // 3 or 4: the caller passes more than 3·NR columns
    store(tile, c, ci, NR * colStep, colStep, full, NR, alpha, beta);
    for (int j = full * NR; j < cols && j < 4 * NR; j++) { // the last panel's real columns
      c[ci + j * colStep] = GemmMicroKernel.combine(tile[j], c[ci + j * colStep], alpha, beta);
    }
  }

  /**
   * Folds the spilled mr×nr tile into C, element (r, q) at {@code c[ci + r*rowStep + q*colStep]}:
   * by vectors along C's rows, or element by element into a transposed C.
   */
  private static void store(float[] tile, float[] c, int ci, int rowStep, int colStep, int mr, int nr,
                            float alpha, float beta) {
    if (colStep == 1) {
      GemmMicroKernel.storeTile(tile, c, ci, rowStep, mr, nr, alpha, beta);
      return;
    }
    for (int r = 0; r < mr; r++, ci += rowStep) {
      for (int q = 0, t = r * NR, cq = ci; q < nr; q++, cq += colStep) {
        c[cq] = GemmMicroKernel.combine(tile[t + q], c[cq], alpha, beta);
      }
    }
  }
}
