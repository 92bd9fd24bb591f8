package dev.lanes.bench;

import dev.lanes.kernel.Activation;
import dev.lanes.kernel.Losses;
import dev.lanes.kernel.Reductions;
import dev.lanes.kernel.Updates;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * The elementwise, loss, reduction and optimizer loops over n floats per array, one thread, at a
 * size whose arrays fit L2 together and one far beyond the last-level cache; {@code copy} (a STREAM
 * copy, y = x) measures this machine's bandwidth in the same run. {@link LoopSummary} turns time
 * per op into GB/s with {@link #bytesPerElement}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class LoopBench {
  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  /** Rows of 256: the width of a hidden layer (bias, column sums); 10 for the loss rows. */
  static final int WIDTH = 256;
  static final int CLASSES = 10;

  @Param({"l2", "memory"})
  public String size;

  @Param({"copy", "relu", "relu-back", "sigmoid", "sigmoid-back", "tanh", "gelu", "gelu-back",
      "softmax-ce", "softmax-ce-back", "column-sums", "sum-squares",
      "scale", "sgd", "momentum", "nesterov", "adam", "adamw"})
  public String op;

  private int n;
  private float[] x, y, z, bias, m, v;
  private int step;
  private int[] labels;
  private float[] logSum;

  /** Elements per array: 16 Ki (64 KiB: even Adam's seven streams stay in L2) or 8 Mi (32 MiB). */
  static int elements(String size) {
    return size.equals("l2") ? 1 << 14 : 1 << 23;
  }

  /** Bytes each element moves through memory (reads + writes of 4 bytes). */
  static int bytesPerElement(String op) {
    return switch (op) {
      case "copy", "relu", "sigmoid", "tanh", "gelu" -> 8; // read z, write y
      case "relu-back", "sigmoid-back", "gelu-back" -> 12; // read dy and y/z, write dz
      case "softmax-ce" -> 4; // read logits
      case "softmax-ce-back" -> 8; // read logits, write d
      case "column-sums", "sum-squares" -> 4; // read
      case "scale" -> 8; // read and write x
      case "sgd" -> 12; // read w, g; write w
      case "momentum", "nesterov" -> 20; // read w, g, v; write w, v
      case "adam", "adamw" -> 28; // read w, g, m, v; write w, m, v
      default -> throw new IllegalArgumentException(op);
    };
  }

  /** GB/s (bytes read + written) of {@code op} at {@code size} taking {@code micros} µs per call. */
  static double gigabytesPerSecond(String op, String size, double micros) {
    return (double) bytesPerElement(op) * elements(size) / (micros * 1e3);
  }

  @Setup(Level.Trial)
  public void setUp() {
    n = elements(size);
    SplittableRandom rnd = new SplittableRandom(42);
    x = random(rnd, n);
    y = random(rnd, n);
    z = random(rnd, n);
    bias = random(rnd, WIDTH);
    labels = rnd.ints(n / CLASSES, 0, CLASSES).toArray();
    logSum = new float[n / CLASSES];
    m = new float[n];
    v = new float[n];
    if (op.equals("softmax-ce-back")) {
      Losses.softmaxCrossEntropy(n / CLASSES, CLASSES, x, 0, CLASSES, labels, 0, logSum, 0);
    }
  }

  static float[] random(SplittableRandom rnd, int size) {
    float[] v = new float[size];
    for (int i = 0; i < size; i++) {
      v[i] = (float) (rnd.nextDouble() * 4 - 2);
    }
    return v;
  }

  @Benchmark
  public float run() {
    int rows = n / WIDTH;
    switch (op) {
      case "copy" -> copy(n, x, y);
      case "relu" -> Activation.RELU.forward(rows, WIDTH, x, 0, WIDTH, bias, 0, null, 0, 1, y, 0, WIDTH);
      case "relu-back" -> Activation.RELU.backward(rows, WIDTH, x, 0, WIDTH, y, 0, WIDTH, z, 0, WIDTH, null, 0);
      case "sigmoid" -> Activation.SIGMOID.forward(rows, WIDTH, x, 0, WIDTH, bias, 0, null, 0, 1, y, 0, WIDTH);
      case "sigmoid-back" -> Activation.SIGMOID.backward(rows, WIDTH, x, 0, WIDTH, y, 0, WIDTH, z, 0, WIDTH, null, 0);
      case "tanh" -> Activation.TANH.forward(rows, WIDTH, x, 0, WIDTH, bias, 0, null, 0, 1, y, 0, WIDTH);
      case "gelu" -> Activation.GELU.forward(rows, WIDTH, x, 0, WIDTH, bias, 0, null, 0, 1, y, 0, WIDTH);
      case "gelu-back" -> Activation.GELU.backward(rows, WIDTH, x, 0, WIDTH, y, 0, WIDTH, z, 0, WIDTH, null, 0);
      case "softmax-ce" -> {
        return Losses.softmaxCrossEntropy(n / CLASSES, CLASSES, x, 0, CLASSES, labels, 0, logSum, 0);
      }
      case "softmax-ce-back" -> Losses.softmaxCrossEntropyBackward(n / CLASSES, CLASSES, x, 0, CLASSES,
          labels, 0, logSum, 0, n / CLASSES, y, 0, CLASSES);
      case "column-sums" -> Reductions.columnSums(rows, WIDTH, x, 0, WIDTH, 0f, bias, 0);
      case "sum-squares" -> {
        return (float) Reductions.sumOfSquares(n, x, 0);
      }
      // tiny steps so that weights and state stay in range over millions of calls
      case "scale" -> Updates.scale(n, 1f, x, 0);
      case "sgd" -> Updates.sgd(n, 1e-9f, 1e-4f, 0.5f, y, 0, x, 0);
      case "momentum" -> Updates.momentum(n, 1e-9f, 0.9f, false, 1e-4f, 0.5f, y, 0, x, 0, v, 0);
      case "nesterov" -> Updates.momentum(n, 1e-9f, 0.9f, true, 1e-4f, 0.5f, y, 0, x, 0, v, 0);
      case "adam" -> Updates.adam(n, 1e-9f, 0.9f, 0.999f, 1e-8f, 1 + (step++ & 1023), 1e-4f, 0.5f, y, 0, x, 0, m, 0, v, 0);
      case "adamw" -> Updates.adamW(n, 1e-9f, 0.9f, 0.999f, 1e-8f, 1 + (step++ & 1023), 1e-2f, 0.5f, y, 0, x, 0, m, 0, v, 0);
      default -> throw new IllegalArgumentException(op);
    }
    return y[0];
  }

  /** STREAM copy with whole vectors (n is a multiple of every vector length). */
  private static void copy(int n, float[] from, float[] to) {
    for (int i = 0; i < n; i += SPECIES.length()) {
      FloatVector.fromArray(SPECIES, from, i).intoArray(to, i);
    }
  }
}
