package dev.lanes.bench;

/**
 * A GEMM problem named the way the benchmark tables print it:
 * {@code square-N}, or a dense layer's product for (batch, in, out):
 * {@code fwd-B-I-O} (Y = X·Wᵀ), {@code dW-B-I-O} (dW = dYᵀ·X), {@code dX-B-I-O} (dX = dY·W).
 */
record GemmShape(String name, boolean transA, boolean transB, int m, int n, int k) {

  static GemmShape parse(String name) {
    String[] p = name.split("-");
    switch (p[0]) {
      case "square": {
        int s = Integer.parseInt(p[1]);
        return new GemmShape(name, false, false, s, s, s);
      }
      case "fwd": // X (batch×in) · Wᵀ (W is out×in)
        return new GemmShape(name, false, true, i(p[1]), i(p[3]), i(p[2]));
      case "dW": // dYᵀ (dY is batch×out) · X (batch×in) → out×in
        return new GemmShape(name, true, false, i(p[3]), i(p[2]), i(p[1]));
      case "dX": // dY (batch×out) · W (out×in) → batch×in
        return new GemmShape(name, false, false, i(p[1]), i(p[2]), i(p[3]));
      default:
        throw new IllegalArgumentException("unknown GEMM shape '" + name + "'");
    }
  }

  private static int i(String s) {
    return Integer.parseInt(s);
  }

  double flops() {
    return 2.0 * m * n * k;
  }

  int lda() {
    return transA ? m : k;
  }

  int ldb() {
    return transB ? k : n;
  }

  int aSize() {
    return m * k;
  }

  int bSize() {
    return k * n;
  }
}
