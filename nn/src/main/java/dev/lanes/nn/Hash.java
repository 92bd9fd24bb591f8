package dev.lanes.nn;

/** SplitMix64's finaliser as a counter-based generator: random bits as a pure function of keys. */
final class Hash {
  private Hash() {}

  static long mix(long a, long b) {
    return fmix(a * 0x9E3779B97F4A7C15L + b);
  }

  static long mix(long a, long b, long c, long d) {
    return mix(mix(mix(a, b), c), d);
  }

  private static long fmix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
