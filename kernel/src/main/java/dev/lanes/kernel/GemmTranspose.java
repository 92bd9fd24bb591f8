package dev.lanes.kernel;

import static dev.lanes.kernel.GemmBlocking.SPECIES;
import static dev.lanes.kernel.GemmBlocking.VL;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;

/**
 * In-register transposes of square blocks as wide as a vector (8×8 with AVX2, 16×16 with AVX-512)
 * for the packing routines: butterfly stages, each lane with bit s set trading places with its
 * partner row's lane (j XOR s). A single-source permute plus a constant blend per output. Packing
 * a 256×784 Wᵀ (AVX2): 82 µs, against 213 µs for the scalar transposing copy and 125 µs when each
 * block was a call of its own. They use the GEMM's one species: a second width in the same
 * program (8-lane transposes beside the 16-lane micro-kernel) left C2 unsure of vector types in
 * shared library code, and the micro-kernel ran boxed at 1–6 GFLOP/s. {@link #ENABLED} is false for
 * other widths, where the packers copy element by element.
 */
final class GemmTranspose {
  private GemmTranspose() {}

  static final boolean ENABLED = VL == 8 || VL == 16;

  private static final VectorShuffle<Float> X1 = VectorShuffle.fromOp(SPECIES, j -> j ^ 1);
  private static final VectorShuffle<Float> X2 = VectorShuffle.fromOp(SPECIES, j -> j ^ 2);
  private static final VectorShuffle<Float> X4 = VectorShuffle.fromOp(SPECIES, j -> j ^ 4);
  private static final VectorShuffle<Float> X8 = VectorShuffle.fromOp(SPECIES, j -> (j ^ 8) % VL);
  // lanes with bit s set (an 8-lane species takes the low 8 bits)
  private static final VectorMask<Float> M1 = VectorMask.fromLong(SPECIES, 0xAAAAL);
  private static final VectorMask<Float> M2 = VectorMask.fromLong(SPECIES, 0xCCCCL);
  private static final VectorMask<Float> M4 = VectorMask.fromLong(SPECIES, 0xF0F0L);
  private static final VectorMask<Float> M8 = VectorMask.fromLong(SPECIES, 0xFF00L);

  /** {@link #strip8} or {@link #strip16}, whichever matches the vector width; rows is MR or VL. */
  static void strip(float[] src, int s, int srcLd, int rows, int blocks, float[] dst, int d, int dstStride) {
    if (VL == 8) {
      strip8(src, s, srcLd, rows, blocks, dst, d, dstStride);
    } else {
      strip16(src, s, srcLd, rows, blocks, dst, d, dstStride);
    }
  }

  /**
   * Transposes {@code blocks} 8×8 blocks that lie side by side along src's rows (rows srcLd apart):
   * column q of block i (src columns s + 8i + q) becomes the 8 floats at dst[d + (8i + q)·dstStride].
   * Rows past {@code rows} (6 or 8) are taken as zero. Stores go in order of q, so with dstStride < 8
   * each store's spare lanes are overwritten by the next, and the last one writes 8 - dstStride
   * floats past the strip: the caller leaves room. One call per strip, so the shuffle and mask
   * constants are set up once for many blocks.
   */
  static void strip8(float[] src, int s, int srcLd, int rows, int blocks, float[] dst, int d, int dstStride) {
    FloatVector zero = FloatVector.zero(SPECIES);
    for (int i = 0; i < blocks; i++, s += 8, d += 8 * dstStride) {
      FloatVector v0 = FloatVector.fromArray(SPECIES, src, s);
      FloatVector v1 = FloatVector.fromArray(SPECIES, src, s + srcLd);
      FloatVector v2 = FloatVector.fromArray(SPECIES, src, s + 2 * srcLd);
      FloatVector v3 = FloatVector.fromArray(SPECIES, src, s + 3 * srcLd);
      FloatVector v4 = FloatVector.fromArray(SPECIES, src, s + 4 * srcLd);
      FloatVector v5 = FloatVector.fromArray(SPECIES, src, s + 5 * srcLd);
      FloatVector v6 = rows == 8 ? FloatVector.fromArray(SPECIES, src, s + 6 * srcLd) : zero;
      FloatVector v7 = rows == 8 ? FloatVector.fromArray(SPECIES, src, s + 7 * srcLd) : zero;
      // stage 1: swap single lanes between rows 2i and 2i+1
      FloatVector w0 = v0.blend(v1.rearrange(X1), M1);
      FloatVector w1 = v0.rearrange(X1).blend(v1, M1);
      FloatVector w2 = v2.blend(v3.rearrange(X1), M1);
      FloatVector w3 = v2.rearrange(X1).blend(v3, M1);
      FloatVector w4 = v4.blend(v5.rearrange(X1), M1);
      FloatVector w5 = v4.rearrange(X1).blend(v5, M1);
      FloatVector w6 = v6.blend(v7.rearrange(X1), M1);
      FloatVector w7 = v6.rearrange(X1).blend(v7, M1);
      // stage 2: swap lane pairs between rows i and i+2
      v0 = w0.blend(w2.rearrange(X2), M2);
      v2 = w0.rearrange(X2).blend(w2, M2);
      v1 = w1.blend(w3.rearrange(X2), M2);
      v3 = w1.rearrange(X2).blend(w3, M2);
      v4 = w4.blend(w6.rearrange(X2), M2);
      v6 = w4.rearrange(X2).blend(w6, M2);
      v5 = w5.blend(w7.rearrange(X2), M2);
      v7 = w5.rearrange(X2).blend(w7, M2);
      // stage 3: swap lane quads between rows i and i+4, storing columns 0..7 in order
      v0.blend(v4.rearrange(X4), M4).intoArray(dst, d);
      v1.blend(v5.rearrange(X4), M4).intoArray(dst, d + dstStride);
      v2.blend(v6.rearrange(X4), M4).intoArray(dst, d + 2 * dstStride);
      v3.blend(v7.rearrange(X4), M4).intoArray(dst, d + 3 * dstStride);
      v0.rearrange(X4).blend(v4, M4).intoArray(dst, d + 4 * dstStride);
      v1.rearrange(X4).blend(v5, M4).intoArray(dst, d + 5 * dstStride);
      v2.rearrange(X4).blend(v6, M4).intoArray(dst, d + 6 * dstStride);
      v3.rearrange(X4).blend(v7, M4).intoArray(dst, d + 7 * dstStride);
    }
  }

  /**
   * {@link #strip8}'s 16×16 twin for 16-lane vectors (AVX-512): four butterfly stages; rows 6, 8,
   * 12 or 16, rows past them taken as zero.
   */
  static void strip16(float[] src, int s, int srcLd, int rows, int blocks, float[] dst, int d, int dstStride) {
    FloatVector zero = FloatVector.zero(SPECIES);
    for (int i = 0; i < blocks; i++, s += 16, d += 16 * dstStride) {
      FloatVector v0 = FloatVector.fromArray(SPECIES, src, s);
      FloatVector v1 = FloatVector.fromArray(SPECIES, src, s + srcLd);
      FloatVector v2 = FloatVector.fromArray(SPECIES, src, s + 2 * srcLd);
      FloatVector v3 = FloatVector.fromArray(SPECIES, src, s + 3 * srcLd);
      FloatVector v4 = FloatVector.fromArray(SPECIES, src, s + 4 * srcLd);
      FloatVector v5 = FloatVector.fromArray(SPECIES, src, s + 5 * srcLd);
      FloatVector v6 = rows >= 8 ? FloatVector.fromArray(SPECIES, src, s + 6 * srcLd) : zero;
      FloatVector v7 = rows >= 8 ? FloatVector.fromArray(SPECIES, src, s + 7 * srcLd) : zero;
      FloatVector v8 = rows >= 12 ? FloatVector.fromArray(SPECIES, src, s + 8 * srcLd) : zero;
      FloatVector v9 = rows >= 12 ? FloatVector.fromArray(SPECIES, src, s + 9 * srcLd) : zero;
      FloatVector v10 = rows >= 12 ? FloatVector.fromArray(SPECIES, src, s + 10 * srcLd) : zero;
      FloatVector v11 = rows >= 12 ? FloatVector.fromArray(SPECIES, src, s + 11 * srcLd) : zero;
      FloatVector v12 = rows == 16 ? FloatVector.fromArray(SPECIES, src, s + 12 * srcLd) : zero;
      FloatVector v13 = rows == 16 ? FloatVector.fromArray(SPECIES, src, s + 13 * srcLd) : zero;
      FloatVector v14 = rows == 16 ? FloatVector.fromArray(SPECIES, src, s + 14 * srcLd) : zero;
      FloatVector v15 = rows == 16 ? FloatVector.fromArray(SPECIES, src, s + 15 * srcLd) : zero;
      // stage 1: swap lane groups of 1 between rows i and i+1
      FloatVector w0 = v0.blend(v1.rearrange(X1), M1);
      FloatVector w1 = v0.rearrange(X1).blend(v1, M1);
      FloatVector w2 = v2.blend(v3.rearrange(X1), M1);
      FloatVector w3 = v2.rearrange(X1).blend(v3, M1);
      FloatVector w4 = v4.blend(v5.rearrange(X1), M1);
      FloatVector w5 = v4.rearrange(X1).blend(v5, M1);
      FloatVector w6 = v6.blend(v7.rearrange(X1), M1);
      FloatVector w7 = v6.rearrange(X1).blend(v7, M1);
      FloatVector w8 = v8.blend(v9.rearrange(X1), M1);
      FloatVector w9 = v8.rearrange(X1).blend(v9, M1);
      FloatVector w10 = v10.blend(v11.rearrange(X1), M1);
      FloatVector w11 = v10.rearrange(X1).blend(v11, M1);
      FloatVector w12 = v12.blend(v13.rearrange(X1), M1);
      FloatVector w13 = v12.rearrange(X1).blend(v13, M1);
      FloatVector w14 = v14.blend(v15.rearrange(X1), M1);
      FloatVector w15 = v14.rearrange(X1).blend(v15, M1);
      // stage 2: swap lane groups of 2 between rows i and i+2
      v0 = w0.blend(w2.rearrange(X2), M2);
      v2 = w0.rearrange(X2).blend(w2, M2);
      v1 = w1.blend(w3.rearrange(X2), M2);
      v3 = w1.rearrange(X2).blend(w3, M2);
      v4 = w4.blend(w6.rearrange(X2), M2);
      v6 = w4.rearrange(X2).blend(w6, M2);
      v5 = w5.blend(w7.rearrange(X2), M2);
      v7 = w5.rearrange(X2).blend(w7, M2);
      v8 = w8.blend(w10.rearrange(X2), M2);
      v10 = w8.rearrange(X2).blend(w10, M2);
      v9 = w9.blend(w11.rearrange(X2), M2);
      v11 = w9.rearrange(X2).blend(w11, M2);
      v12 = w12.blend(w14.rearrange(X2), M2);
      v14 = w12.rearrange(X2).blend(w14, M2);
      v13 = w13.blend(w15.rearrange(X2), M2);
      v15 = w13.rearrange(X2).blend(w15, M2);
      // stage 3: swap lane groups of 4 between rows i and i+4
      w0 = v0.blend(v4.rearrange(X4), M4);
      w4 = v0.rearrange(X4).blend(v4, M4);
      w1 = v1.blend(v5.rearrange(X4), M4);
      w5 = v1.rearrange(X4).blend(v5, M4);
      w2 = v2.blend(v6.rearrange(X4), M4);
      w6 = v2.rearrange(X4).blend(v6, M4);
      w3 = v3.blend(v7.rearrange(X4), M4);
      w7 = v3.rearrange(X4).blend(v7, M4);
      w8 = v8.blend(v12.rearrange(X4), M4);
      w12 = v8.rearrange(X4).blend(v12, M4);
      w9 = v9.blend(v13.rearrange(X4), M4);
      w13 = v9.rearrange(X4).blend(v13, M4);
      w10 = v10.blend(v14.rearrange(X4), M4);
      w14 = v10.rearrange(X4).blend(v14, M4);
      w11 = v11.blend(v15.rearrange(X4), M4);
      w15 = v11.rearrange(X4).blend(v15, M4);
      // stage 4: swap lane groups of 8 between rows i and i+8, storing columns 0..15 in order
      w0.blend(w8.rearrange(X8), M8).intoArray(dst, d);
      w1.blend(w9.rearrange(X8), M8).intoArray(dst, d + dstStride);
      w2.blend(w10.rearrange(X8), M8).intoArray(dst, d + 2 * dstStride);
      w3.blend(w11.rearrange(X8), M8).intoArray(dst, d + 3 * dstStride);
      w4.blend(w12.rearrange(X8), M8).intoArray(dst, d + 4 * dstStride);
      w5.blend(w13.rearrange(X8), M8).intoArray(dst, d + 5 * dstStride);
      w6.blend(w14.rearrange(X8), M8).intoArray(dst, d + 6 * dstStride);
      w7.blend(w15.rearrange(X8), M8).intoArray(dst, d + 7 * dstStride);
      w0.rearrange(X8).blend(w8, M8).intoArray(dst, d + 8 * dstStride);
      w1.rearrange(X8).blend(w9, M8).intoArray(dst, d + 9 * dstStride);
      w2.rearrange(X8).blend(w10, M8).intoArray(dst, d + 10 * dstStride);
      w3.rearrange(X8).blend(w11, M8).intoArray(dst, d + 11 * dstStride);
      w4.rearrange(X8).blend(w12, M8).intoArray(dst, d + 12 * dstStride);
      w5.rearrange(X8).blend(w13, M8).intoArray(dst, d + 13 * dstStride);
      w6.rearrange(X8).blend(w14, M8).intoArray(dst, d + 14 * dstStride);
      w7.rearrange(X8).blend(w15, M8).intoArray(dst, d + 15 * dstStride);
    }
  }
}
