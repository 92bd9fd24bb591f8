package dev.lanes.kernel;

/**
 * The plain scalar twin of {@link Gemm}: the documented arithmetic, element by element, with no
 * blocking, packing or vectors. The fast paths must match it bit for bit.
 */
final class ReferenceGemm {
  private ReferenceGemm() {}

  static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                    float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float beta,
                    float[] c, int cOff, int ldc) {
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        int ci = cOff + i * ldc + j;
        if (k == 0 || alpha == 0f) {
          c[ci] = beta == 0f ? 0f : beta * c[ci];
          continue;
        }
        int kb = GemmBlocking.kBlock(k);
        for (int p0 = 0; p0 < k; p0 += kb) {
          float s = 0f;
          for (int p = p0; p < Math.min(k, p0 + kb); p++) {
            float av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
            float bv = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
            s = Math.fma(av, bv, s);
          }
          float betaK = p0 == 0 ? beta : 1f;
          c[ci] = betaK == 0f ? alpha * s : Math.fma(alpha, s, betaK * c[ci]);
        }
      }
    }
  }
}
