package dev.lanes.bench;

import dev.lanes.kernel.Activation;
import dev.lanes.kernel.Dense;
import dev.lanes.kernel.Gemm;
import dev.lanes.kernel.Reductions;
import dev.lanes.kernel.WorkerPool;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A dense layer's forward and backward, fused against unfused, with the bare GEMM as the yardstick.
 * Shapes are batch×in×out. The variants run interleaved inside each invocation and each is timed
 * with {@link System#nanoTime()}, so all see the same stretch of this shared machine (whose speed
 * drifts ±30% over minutes, more than the few percent being measured); {@link Times} reports each
 * variant's total nanoseconds and calls per iteration. Forward: {@code gemm} is Y = X·Wᵀ alone;
 * {@code fused} is {@link Dense#forward} (bias and activation in the GEMM's epilogue);
 * {@code unfused} is the GEMM, then {@link Activation#forward} over Y. Backward: {@code fused} is
 * {@link Dense#backward} (one dZ + db pass, then dW and dX); {@code unfused} runs the derivative
 * pass, a separate column-sum pass for db, then the same two products. Before each backward
 * variant dY is restored (it is overwritten with dZ), outside the timed span.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class DenseBench {

  @Param({"128x784x256", "256x1024x1024"})
  public String shape;

  @Param({"relu", "gelu"})
  public String act;

  @Param({"1", "2"})
  public int threads;

  /** Nanoseconds and calls of each variant in one iteration, reported beside the primary score. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.EVENTS)
  public static class Times {
    public long gemmNs, fusedNs, unfusedNs, backFusedNs, backUnfusedNs, forwardCalls, backwardCalls;

    @Setup(Level.Iteration)
    public void reset() {
      gemmNs = fusedNs = unfusedNs = backFusedNs = backUnfusedNs = forwardCalls = backwardCalls = 0;
    }
  }

  private int m, k, n;
  private Activation activation;
  private float[] x, w, bias, pre, y, dy, dyFresh, dw, db, dx;
  private WorkerPool pool;

  @Setup(Level.Trial)
  public void setUp() {
    String[] mkn = shape.split("x");
    m = Integer.parseInt(mkn[0]);
    k = Integer.parseInt(mkn[1]);
    n = Integer.parseInt(mkn[2]);
    activation = Activation.parse(act);
    SplittableRandom rnd = new SplittableRandom(42);
    x = LoopBench.random(rnd, m * k);
    w = LoopBench.random(rnd, n * k);
    bias = LoopBench.random(rnd, n);
    pre = activation.backwardUsesOutput() ? null : new float[m * n];
    y = LoopBench.random(rnd, m * n);
    dyFresh = LoopBench.random(rnd, m * n);
    dy = dyFresh.clone();
    dw = new float[n * k];
    db = new float[n];
    dx = new float[m * k];
    pool = threads > 1 ? new WorkerPool(threads) : null;
    Dense.forward(pool, activation, m, n, k, x, 0, k, w, 0, k, bias, 0, pre, 0, n, y, 0, n); // fills pre
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    if (pool != null) {
      pool.close();
    }
  }

  /** GEMM, fused and unfused forward, one after the other, in an order that rotates. */
  @Benchmark
  public float forward(Times t) {
    long calls = t.forwardCalls++;
    for (int i = 0; i < 3; i++) {
      int variant = (int) ((i + calls) % 3);
      long start = System.nanoTime();
      switch (variant) {
        case 0 -> gemm(false, true, m, n, k, x, k, w, k, y, n);
        case 1 -> Dense.forward(pool, activation, m, n, k, x, 0, k, w, 0, k, bias, 0, pre, 0, n, y, 0, n);
        default -> {
          gemm(false, true, m, n, k, x, k, w, k, y, n);
          activation.forward(m, n, y, 0, n, bias, 0, pre, 0, n, y, 0, n);
        }
      }
      long ns = System.nanoTime() - start;
      switch (variant) {
        case 0 -> t.gemmNs += ns;
        case 1 -> t.fusedNs += ns;
        default -> t.unfusedNs += ns;
      }
    }
    return y[0];
  }

  /** Fused and unfused backward, alternating which goes first. */
  @Benchmark
  public float backward(Times t) {
    long calls = t.backwardCalls++;
    float[] saved = activation.backwardUsesOutput() ? y : pre;
    for (int i = 0; i < 2; i++) {
      boolean fused = ((i + calls) & 1) == 0;
      System.arraycopy(dyFresh, 0, dy, 0, dy.length);
      long start = System.nanoTime();
      if (fused) {
        Dense.backward(pool, activation, m, n, k, x, 0, k, w, 0, k, saved, 0, n, dy, 0, n,
            0f, dw, 0, k, db, 0, dx, 0, k);
      } else {
        activation.backward(m, n, dy, 0, n, saved, 0, n, dy, 0, n, null, 0);
        Reductions.columnSums(m, n, dy, 0, n, 0f, db, 0);
        gemm(true, false, n, k, m, dy, n, x, k, dw, k);
        gemm(false, false, m, k, n, dy, n, w, k, dx, k);
      }
      long ns = System.nanoTime() - start;
      if (fused) {
        t.backFusedNs += ns;
      } else {
        t.backUnfusedNs += ns;
      }
    }
    return dx[0];
  }

  /** C = op(A)·op(B), beta 0, on the pool when there is one. */
  private void gemm(boolean ta, boolean tb, int rows, int cols, int depth, float[] a, int lda,
                    float[] b, int ldb, float[] c, int ldc) {
    if (pool == null) {
      Gemm.sgemm(ta, tb, rows, cols, depth, 1f, a, 0, lda, b, 0, ldb, 0f, c, 0, ldc);
    } else {
      Gemm.sgemm(pool, ta, tb, rows, cols, depth, 1f, a, 0, lda, b, 0, ldb, 0f, c, 0, ldc);
    }
  }
}
