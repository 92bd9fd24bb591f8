package dev.lanes.kernel;

import static dev.lanes.kernel.GemmBlocking.SPECIES;
import static dev.lanes.kernel.GemmBlocking.VL;

import jdk.incubator.vector.FloatVector;

/**
 * The no-packing path for products too small for packing to pay: each row of C is built as a sum
 * of rows of op(B) scaled by elements of op(A), a vector of C columns at a time. The arithmetic is
 * the packed path's, element for element (same k-blocks, same FMA chain, same combine), so both
 * paths give the same bits.
 */
final class GemmSmall {
  private GemmSmall() {}

  static void run(boolean transA, boolean transB, int m, int n, int k, float alpha,
                  float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float beta,
                  float[] c, int cOff, int ldc, GemmWorkspace ws) {
    float[] rows = b; // op(B) as k rows of n, row p at rowsOff + p*rowsLd
    int rowsOff = bOff;
    int rowsLd = ldb;
    if (transB) { // op(B)[p][j] = b[j*ldb + p]: transpose it once into scratch
      rows = ws.smallB(k * n);
      rowsOff = 0;
      rowsLd = n;
      for (int j = 0; j < n; j++) {
        int src = bOff + j * ldb;
        for (int p = 0; p < k; p++) {
          rows[p * n + j] = b[src + p];
        }
      }
    }
    int aStep = transA ? lda : 1; // op(A)[i][p] = a[aRow(i) + p*aStep]
    int kb = GemmBlocking.kBlock(k);
    for (int i = 0; i < m; i++) {
      int aRow = aOff + (transA ? i : i * lda);
      int cRow = cOff + i * ldc;
      for (int pc = 0; pc < k; pc += kb) {
        int pEnd = Math.min(k, pc + kb);
        float betaK = pc == 0 ? beta : 1f;
        int j = 0;
        for (; j <= n - VL; j += VL) {
          FloatVector s = FloatVector.zero(SPECIES);
          for (int p = pc; p < pEnd; p++) {
            FloatVector av = FloatVector.broadcast(SPECIES, a[aRow + p * aStep]);
            s = av.fma(FloatVector.fromArray(SPECIES, rows, rowsOff + p * rowsLd + j), s);
          }
          if (betaK == 0f) {
            s.mul(alpha).intoArray(c, cRow + j);
          } else {
            s.fma(FloatVector.broadcast(SPECIES, alpha), FloatVector.fromArray(SPECIES, c, cRow + j).mul(betaK)).intoArray(c, cRow + j);
          }
        }
        for (; j < n; j++) {
          float s = 0f;
          for (int p = pc; p < pEnd; p++) {
            s = Math.fma(a[aRow + p * aStep], rows[rowsOff + p * rowsLd + j], s);
          }
          c[cRow + j] = GemmMicroKernel.combine(s, c[cRow + j], alpha, betaK);
        }
      }
    }
  }
}
