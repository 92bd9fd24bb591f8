package dev.lanes.bench;

import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * This core's FP32 FMA peak, measured with the Vector API: 12 independent FMA chains held in
 * registers, enough to cover FMA latency × issue width. One op = one vector FMA. Each chain is the
 * FMA's addend ({@code c = m·a + c}): with a shared addend C2 must copy it before every FMA, and the
 * copies alone cost a third of the rate.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class PeakBench {
  static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  static final int CHAINS = 12;
  static final int STEPS = 4096;

  public float x = 1.0000001f, y = 0.9999999f;

  /** Flops per op, for the summary. */
  public static double flopsPerOp() {
    return 2.0 * S.length();
  }

  @Benchmark
  @OperationsPerInvocation(CHAINS * STEPS)
  public float fma() {
    FloatVector m = FloatVector.broadcast(S, x), a = FloatVector.broadcast(S, y);
    FloatVector c0 = a, c1 = a, c2 = a, c3 = a, c4 = a, c5 = a;
    FloatVector c6 = a, c7 = a, c8 = a, c9 = a, c10 = a, c11 = a;
    for (int i = 0; i < STEPS; i++) {
      c0 = m.fma(a, c0);
      c1 = m.fma(a, c1);
      c2 = m.fma(a, c2);
      c3 = m.fma(a, c3);
      c4 = m.fma(a, c4);
      c5 = m.fma(a, c5);
      c6 = m.fma(a, c6);
      c7 = m.fma(a, c7);
      c8 = m.fma(a, c8);
      c9 = m.fma(a, c9);
      c10 = m.fma(a, c10);
      c11 = m.fma(a, c11);
    }
    return c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).add(c10)
        .add(c11).reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
  }
}
