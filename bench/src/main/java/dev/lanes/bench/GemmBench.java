package dev.lanes.bench;

import dev.lanes.kernel.Gemm;
import dev.lanes.kernel.WorkerPool;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.global.openblas_full;
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
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * C = op(A)·op(B) through Lanes (JMH times it) and, after every iteration in the same fork, through
 * OpenBLAS (in-process, same data: {@link OpenBlasTwin}), for square sizes and the three products
 * of a dense layer in training. Time per op; {@link GemmSummary} turns it into GFLOP/s, fraction of
 * peak and the Lanes/OpenBLAS ratio iteration by iteration. {@link ThreadBytes} counts the bytes
 * that the call's own threads allocate.
 *
 * <p>Each library's calls cycle C through {@link #PLACEMENTS} starts, {@link #PLACEMENT_STEP}
 * floats apart (528 bytes: through 4 KiB, and through each 16-byte offset within a line). Where
 * OpenBLAS's buffers lie moves its small products by up to 4×: 10×128×128 Aᵀ·B ran at 42–165
 * GFLOP/s over fresh buffers at chosen offsets (the same offsets twice gave 151 and 99), while a scan
 * of Lanes' C over 4 KiB in 64-byte steps read 105–108. Lanes' arrays, allocated in a row, lie alike
 * in every fork; malloc's buffers do not, so with one placement that cell's ratio was a draw (1.14×
 * and 0.75× in two runs of unchanged code). Cycling evens out C; A and B still lie where malloc
 * put them in the fork (with it, OpenBLAS read 136 and 97 GFLOP/s there in two runs).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class GemmBench {

  @Param({"square-64", "square-128", "square-256", "square-512", "square-1024", "square-2048",
      "fwd-32-784-256", "dW-32-784-256", "dX-32-784-256",
      "fwd-128-784-256", "dW-128-784-256", "dX-128-784-256",
      "fwd-512-784-256", "dW-512-784-256", "dX-512-784-256",
      "fwd-128-256-128", "dW-128-256-128", "dX-128-256-128",
      "fwd-128-128-10", "dW-128-128-10", "dX-128-128-10",
      "fwd-256-1024-1024", "dW-256-1024-1024", "dX-256-1024-1024"})
  public String shape;

  @Param({"1", "2"})
  public int threads;

  /** How many starts of C each library's calls cycle through, and how far apart (floats). */
  static final int PLACEMENTS = 8, PLACEMENT_STEP = 132;

  private GemmShape s;
  private float[] a, b, c;
  private int placement;
  private WorkerPool pool;
  private final LanesThreads lanesThreads = new LanesThreads();

  @Setup(Level.Trial)
  public void setUp() {
    s = GemmShape.parse(shape);
    SplittableRandom rnd = new SplittableRandom(42);
    a = random(rnd, s.aSize());
    b = random(rnd, s.bSize());
    c = new float[s.m() * s.n() + (PLACEMENTS - 1) * PLACEMENT_STEP];
    if (threads > 1) {
      pool = lanesThreads.pool(threads);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    if (pool != null) {
      pool.close();
    }
  }

  @Benchmark
  public void sgemm(OpenBlasTwin twin, ThreadBytes counted) {
    GemmShape g = s;
    int cOff = placement * PLACEMENT_STEP;
    placement = (placement + 1) % PLACEMENTS;
    counted.beforeCall(lanesThreads);
    if (pool == null) {
      Gemm.sgemm(g.transA(), g.transB(), g.m(), g.n(), g.k(), 1f, a, 0, g.lda(), b, 0, g.ldb(), 0f, c, cOff, g.n());
    } else {
      Gemm.sgemm(pool, g.transA(), g.transB(), g.m(), g.n(), g.k(), 1f, a, 0, g.lda(), b, 0, g.ldb(), 0f, c, cOff, g.n());
    }
    counted.afterCall();
  }

  /**
   * The same product through OpenBLAS (0.3, from org.bytedeco, on the same threads count), called in a
   * loop for as long as a measured iteration right after each Lanes iteration, warm-up ones
   * included: its calls and nanoseconds are this iteration's counters, so each Lanes iteration has
   * a twin from the same moment of this shared machine, whose slow spells last minutes. OpenBLAS's
   * workers spin for ~75 ms after a call before they sleep: the burst ends with a pause that long
   * and more, so they take no core from the next Lanes iteration.
   */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.EVENTS)
  public static class OpenBlasTwin {
    public long openblasCalls;
    public long openblasNanos;
    private GemmShape s;
    private FloatPointer na, nb, nc;
    private int placement;

    @Setup(Level.Trial)
    public void setUp(GemmBench bench) {
      s = bench.s;
      Loader.load(openblas_full.class);
      openblas_full.openblas_set_num_threads(bench.threads);
      na = new FloatPointer(bench.a);
      nb = new FloatPointer(bench.b);
      nc = new FloatPointer(bench.c);
    }

    @TearDown(Level.Iteration)
    public void burst(BenchmarkParams params) throws InterruptedException {
      long length = params.getMeasurement().getTime().convertTo(TimeUnit.NANOSECONDS);
      Thread.sleep((long) (Settings.PEER_IDLE_S * 1e3));
      call(); // a first call outside the count, as JMH's loop has run for a while
      long start = System.nanoTime(), now;
      long calls = 0;
      do {
        call();
        calls++;
        now = System.nanoTime();
      } while (now - start < length);
      openblasCalls = calls;
      openblasNanos = now - start;
      Thread.sleep((long) (Settings.PEER_IDLE_S * 1e3));
    }

    private void call() {
      GemmShape g = s;
      nc.position((long) placement * PLACEMENT_STEP); // native calls take the address plus position
      placement = (placement + 1) % PLACEMENTS;
      openblas_full.cblas_sgemm(openblas_full.CblasRowMajor,
          g.transA() ? openblas_full.CblasTrans : openblas_full.CblasNoTrans,
          g.transB() ? openblas_full.CblasTrans : openblas_full.CblasNoTrans,
          g.m(), g.n(), g.k(), 1f, na, g.lda(), nb, g.ldb(), 0f, nc, g.n());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      na.close();
      nb.close();
      nc.close();
    }
  }

  static float[] random(SplittableRandom rnd, int size) {
    float[] x = new float[size];
    for (int i = 0; i < size; i++) {
      x[i] = (float) (rnd.nextDouble() * 2 - 1);
    }
    return x;
  }
}
