package dev.lanes.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The GEMM's block sizes, in one place, chosen by measurement (bench: GemmBench, and timing of the
 * micro-kernel alone) on Zen 4 with 256-bit vectors and on a Xeon with 512-bit ones. The micro-tile
 * is MR rows by two vectors of columns: 6×16 with AVX2 (12 accumulators + 2 B vectors + 1
 * broadcast fill the 16 vector registers), 8×32 with AVX-512.
 */
final class GemmBlocking {
  private GemmBlocking() {}

  static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  /** Floats per vector. */
  static final int VL = SPECIES.length();
  /**
   * Rows of the packed path's register tile: 12 with AVX-512's 32 registers (24 accumulators), else
   * 6. On the Xeon (FMA peak 246 GFLOP/s), the tile alone with its panels in L1: 12 rows 228 GFLOP/s,
   * 8 rows 210, 14 rows 207, 8 rows unrolled twice over k 201; whole products on one thread, 8 → 12
   * rows: 1024² 181–186 → 187 GFLOP/s, 2048² 174–181 → 180, 1024×1024×256 Aᵀ·B 181–183 → 186–192
   * (an earlier pass here had found 12 rows no faster than 8).
   */
  static final int MR = VL == 16 ? 12 : 6;
  /**
   * Rows of the unpacked paths' register tiles ({@link GemmInPlace}, {@link GemmOuter}): 8 with
   * AVX-512, else 6. Their A is read where it lies, rows lda apart, or copied a few rows at a time
   * where that pays (see each), and 8 suit their products.
   */
  static final int IN_PLACE_MR = VL == 16 ? 8 : 6;
  /** Columns of the register tile: two vectors. */
  static final int NR = 2 * VL;
  /**
   * Most depth of a packed block. Every k-block after the first reads C back, and once C outgrows
   * L2 that read misses at each tile's fold, where no prefetch hides it (Java has none): on
   * 2048² a fold into an L1-resident scratch instead of C ran 6–14% faster. Deeper blocks mean fewer
   * such passes (none up to k = 1024), at the price of panels that live in L2 rather than L1 (a B
   * micro-panel is KC×NR, 64 KiB with AVX2), which the kernel's independent loads tolerate.
   * Measured interleaved in one JVM against OpenBLAS on Zen 4 with AVX2: 1024 over 512 gains 3–7%
   * on 1024²–2048², 512×784×256 (X·Wᵀ) and 256×1024×1024; 256 and 384 lost to 512 before. With
   * AVX-512 (Xeon, 48 KiB L1, 2 MiB L2) a 256-deep B micro-panel (32 KiB) stays in L1, and 256
   * over 1024 gains 10–25% on the same products (1024²: 0.77× → 0.90× OpenBLAS; 384 and 512
   * lie between). k is cut into ceil(k/KC) blocks of equal depth ({@link #kBlock}), so no thin
   * last block is left over.
   */
  static final int KC = VL == 16 ? 256 : 1024;
  /** Rows of a packed A block (MC×KC: 192 KiB with AVX2, 48 KiB with AVX-512); a multiple of MR and 8. */
  static final int MC = 48;
  /**
   * Columns of a packed B block (KC×NC: 4 MiB with AVX2, streamed from L3 once per block of MC
   * rows; 1 MiB with AVX-512, held in L2); a multiple of NR. Measured interleaved against OpenBLAS
   * in one JVM on Zen 4, 1024 over 2048 (an 8 MiB block, which that shared L3 held less well)
   * gained 7–12% on 1536² and 2048², one thread; on the Xeon, 512 and 2048 lost to 1024 on 2048².
   */
  static final int NC = 1024;

  /** The depth of every k-block but the last (which may be shallower) for a product of depth k. */
  static int kBlock(int k) {
    int blocks = (k + KC - 1) / KC;
    return blocks == 0 ? 0 : (k + blocks - 1) / blocks;
  }

  /**
   * At most this many multiply-adds (m·n·k) take the path that reads row-major A in place (and any
   * product with n ≤ NR does): measured interleaved against the packed path, it wins on products
   * up to 128×128×256 and ties on the 128-row layer products above that.
   */
  static final long IN_PLACE_MNK = 128L * 128 * 256;
  /**
   * At most this many rows of A for {@code C = A·Bᵀ} to run transposed, B read in place (see
   * {@link GemmInPlace#swaps}).
   */
  static final int SWAP_ROWS = 64;
  /**
   * At least this many multiply-adds per thread before the work is split across threads. At 48³
   * the 64³ products of a small network were split, and its 2-thread step took 65 µs against 40
   * on one thread (AVX-512 Xeon); at 96³ it takes 41.5 µs, and the batch-32 and batch-128 steps of
   * 784-256-128-10 are unchanged.
   */
  static final long MIN_MNK_PER_THREAD = 96L * 96 * 96;
}
