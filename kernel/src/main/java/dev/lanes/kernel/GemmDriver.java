package dev.lanes.kernel;

import static dev.lanes.kernel.GemmBlocking.MC;
import static dev.lanes.kernel.GemmBlocking.MR;
import static dev.lanes.kernel.GemmBlocking.NC;
import static dev.lanes.kernel.GemmBlocking.NR;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The blocked GEMM loops (BLIS order: jc → pc → pack B → ic → pack A → jr → ir → micro-kernel),
 * run by one or several workers. Workers pack disjoint slices of the shared B block, then compute
 * C either in rectangles they own on a tm × tn grid or, when C has at least
 * {@link #CLAIMS_PER_WORKER} blocks of MC rows per worker, by claiming row blocks one at a time (the
 * last ones in column chunks), so a worker slowed by its core's other load does less of the work. k
 * is never split, so no result depends on the split. One instance per workspace, reused, so a call
 * allocates nothing.
 */
final class GemmDriver extends GemmCall {
  /** Row blocks per worker from which workers claim them rather than own a fixed share. */
  static final int CLAIMS_PER_WORKER = 4;
  private int tm, tn;
  /**
   * Column chunks of each of the last row blocks of a k-block, claimed one by one: a worker that
   * claims the last whole block can keep the other waiting for up to a block's time (1 ms on
   * 1024²), a chunk for a quarter of that.
   */
  static final int TAIL_CHUNKS = 4;
  /**
   * Claimed work of a k-block ({@link #ticketsPerBlock} tickets): first whole row blocks, then
   * {@link #tailChunks} column chunks of each of the last {@link #tailBlocks} row blocks; ticket t
   * is work t mod ticketsPerBlock of k-block t / ticketsPerBlock.
   */
  private final AtomicInteger tickets = new AtomicInteger();
  private int rowBlocks, tailBlocks, tailChunks, ticketsPerBlock;
  private boolean claiming;
  /**
   * Each worker packs every B panel it reads and no other worker's panels lie where its own lay in
   * an earlier block (one column block, k-blocks of one depth), so no barrier is needed between
   * blocks: a worker slowed for a while catches up over the call rather than at every block.
   */
  private boolean ownPanels;
  /**
   * Rows of A's micro-panels: MR, or 8 with MR = 12 when m is under {@link #TALL}: 64×64×64 Aᵀ·B
   * (a small layer's dW) ran at 115–119 GFLOP/s as five 12-row tiles and one of 4 rows, at 134–139
   * as eight 8-row tiles.
   */
  private int panel;
  /** Rows from which 12-row panels pay: 128×256×128 Aᵀ·B ran at 166–173 GFLOP/s on 8, 176–188 on 12. */
  static final int TALL = 2 * MC;

  @Override
  void prepare(int workers) {
    panel = MR == 12 && m < TALL ? 8 : MR;
    rowBlocks = (m + MC - 1) / MC;
    claiming = workers > 1 && rowBlocks >= CLAIMS_PER_WORKER * workers;
    tailBlocks = workers;
    tailChunks = (int) Math.min(TAIL_CHUNKS, ceilDiv(n, NR));
    ticketsPerBlock = rowBlocks - tailBlocks + tailBlocks * tailChunks;
    if (claiming) { // every worker computes whole rows of C
      tm = workers;
      tn = 1;
    } else {
      chooseGrid(workers);
    }
    ownPanels = workers == 1 || tn == workers && n <= NC && k % GemmBlocking.kBlock(k) == 0;
    tickets.set(0);
    ws.ensure(workers, GemmBlocking.kBlock(k), Math.min(NC, n));
  }

  /**
   * Picks tm × tn = workers minimising the tiles of the busiest worker; ties favour column splits:
   * a worker then computes only on the B panels it packed itself, where with rows split each one
   * reads the whole packed B, half of it from the other core's cache. On the Xeon, 2 threads, the
   * 256-row layer products ran 11–21% faster split by columns (256×1024×784 X·Wᵀ 268 → 318 GFLOP/s,
   * 256×1024×1024 282 → 313) and the others were unchanged.
   */
  private void chooseGrid(int workers) {
    long mp = ceilDiv(m, panel);
    long np = ceilDiv(Math.min(n, NC), NR);
    long best = Long.MAX_VALUE;
    for (int rows = workers; rows >= 1; rows--) {
      if (workers % rows != 0) {
        continue;
      }
      int cols = workers / rows;
      long busiest = ceilDiv(mp, rows) * ceilDiv(np, cols);
      if (busiest <= best) {
        best = busiest;
        tm = rows;
        tn = cols;
      }
    }
  }

  @Override
  public void run(int worker, int workers) {
    int wm = worker / tn;
    int wn = worker % tn;
    int rowFrom = split(m, panel, wm, tm);
    int rowTo = split(m, panel, wm + 1, tm);
    int kb = GemmBlocking.kBlock(k);
    int block = 0;
    int ticket = -1;
    for (int jc = 0; jc < n; jc += NC) {
      int nc = Math.min(NC, n - jc);
      int colFrom = split(nc, NR, wn, tn);
      int colTo = split(nc, NR, wn + 1, tn);
      int packFrom = split(nc, NR, worker, workers);
      int packTo = split(nc, NR, worker + 1, workers);
      for (int pc = 0; pc < k; pc += kb, block++) {
        int kc = Math.min(kb, k - pc);
        float[] bBuf = (block & 1) == 0 ? ws.packedB0 : ws.packedB1;
        GemmPacking.packB(transB, b, bOff, ldb, pc, kc, jc, nc, packFrom, packTo, bBuf);
        if (!ownPanels) {
          pool.barrier(); // B block packed; the other buffer is free once all pass here
        }
        float betaK = pc == 0 ? beta : 1f;
        boolean last = act != null && pc + kc == k; // C is final after this block: apply the epilogue
        if (claiming) { // block `block` (a k-block of a column block) owns tickets from block*ticketsPerBlock
          if (ticket < 0) {
            ticket = tickets.getAndIncrement();
          }
          for (; ticket < (block + 1) * ticketsPerBlock; ticket = tickets.getAndIncrement()) {
            int work = ticket - block * ticketsPerBlock, whole = rowBlocks - tailBlocks;
            int ic = (work < whole ? work : whole + (work - whole) / tailChunks) * MC;
            int chunk = work < whole ? 0 : (work - whole) % tailChunks, chunks = work < whole ? 1 : tailChunks;
            rowBlock(ic, Math.min(MC, m - ic), pc, kc, jc, nc, split(nc, NR, chunk, chunks),
                split(nc, NR, chunk + 1, chunks), betaK, last, bBuf, worker);
          } // the ticket past this k-block's is the next one's: kept for it
        } else {
          for (int ic = rowFrom; ic < rowTo; ic += MC) {
            rowBlock(ic, Math.min(MC, rowTo - ic), pc, kc, jc, nc, colFrom, colTo, betaK, last, bBuf, worker);
          }
        }
      }
    }
  }

  /** Packs rows [ic, ic+mc) of op(A)'s k-block and multiplies them by the packed B's panels [colFrom, colTo). */
  private void rowBlock(int ic, int mc, int pc, int kc, int jc, int nc, int colFrom, int colTo, float betaK,
                        boolean last, float[] bBuf, int worker) {
    float[] aBuf = ws.packedA[worker];
    float[] tile = ws.tile[worker];
    GemmPacking.packA(transA, a, aOff, lda, ic, mc, pc, kc, panel, aBuf);
    for (int jr = colFrom; jr < colTo; jr += NR) {
      int nr = Math.min(NR, nc - jr);
      int cRow = cOff + ic * ldc + jc + jr;
      for (int ir = 0; ir < mc; ir += panel) {
        GemmMicroKernel.run(kc, aBuf, ir * kc, bBuf, jr * kc, c, cRow + ir * ldc, ldc,
            Math.min(panel, mc - ir), nr, alpha, betaK, tile);
      }
      if (last) { // the mc × nr strip of C is final and in L1
        epilogue(ic, jc + jr, mc, nr, ws.stage[worker]);
      }
    }
  }

  /** Start of part {@code part} of {@code parts} of [0, size) cut at multiples of {@code unit}. */
  static int split(int size, int unit, int part, int parts) {
    long units = ceilDiv(size, unit);
    return (int) Math.min(size, unit * (units * part / parts));
  }

  private static long ceilDiv(long x, long y) {
    return (x + y - 1) / y;
  }
}
