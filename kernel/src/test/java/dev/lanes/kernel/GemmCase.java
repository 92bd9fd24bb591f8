package dev.lanes.kernel;

import java.util.Arrays;
import java.util.SplittableRandom;

/** One random GEMM problem with offsets, padded leading dimensions and guard values around C. */
final class GemmCase {
  static final float GUARD = -7777f;

  final boolean transA, transB;
  final int m, n, k, aOff, bOff, cOff, lda, ldb, ldc;
  final float alpha, beta;
  final float[] a, b, c;

  GemmCase(SplittableRandom rnd, boolean transA, boolean transB, int m, int n, int k,
           float alpha, float beta, int maxOff, int maxPad) {
    this.transA = transA;
    this.transB = transB;
    this.m = m;
    this.n = n;
    this.k = k;
    this.alpha = alpha;
    this.beta = beta;
    aOff = rnd.nextInt(maxOff + 1);
    bOff = rnd.nextInt(maxOff + 1);
    cOff = rnd.nextInt(maxOff + 1);
    int aRows = transA ? k : m, aCols = transA ? m : k;
    int bRows = transB ? n : k, bCols = transB ? k : n;
    lda = Math.max(1, aCols) + rnd.nextInt(maxPad + 1);
    ldb = Math.max(1, bCols) + rnd.nextInt(maxPad + 1);
    ldc = Math.max(1, n) + rnd.nextInt(maxPad + 1);
    a = random(rnd, aOff + aRows * lda + 3);
    b = random(rnd, bOff + bRows * ldb + 3);
    c = new float[cOff + m * ldc + 3];
    Arrays.fill(c, GUARD);
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        c[cOff + i * ldc + j] = (float) (rnd.nextDouble() * 2 - 1);
      }
    }
  }

  static float[] random(SplittableRandom rnd, int size) {
    float[] x = new float[size];
    for (int i = 0; i < size; i++) {
      x[i] = (float) (rnd.nextDouble() * 2 - 1);
    }
    return x;
  }

  /** The expected C, from the scalar twin. */
  float[] expected() {
    float[] e = c.clone();
    ReferenceGemm.sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, e, cOff, ldc);
    return e;
  }

  /** A fresh copy of C to run a kernel on. */
  float[] freshC() {
    return c.clone();
  }

  @Override
  public String toString() {
    return String.format("transA=%b transB=%b m=%d n=%d k=%d alpha=%s beta=%s aOff=%d lda=%d bOff=%d ldb=%d cOff=%d ldc=%d",
        transA, transB, m, n, k, alpha, beta, aOff, lda, bOff, ldb, cOff, ldc);
  }
}
