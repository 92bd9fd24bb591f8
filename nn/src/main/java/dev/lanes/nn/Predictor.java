package dev.lanes.nn;

import dev.lanes.kernel.Dense;
import dev.lanes.kernel.InferenceScratch;
import dev.lanes.kernel.PackedWeights;
import dev.lanes.kernel.Reductions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Answers predictions from a frozen copy of a network, on many threads at once. It is immutable:
 * its weights are copied when it is made, so training the network on afterwards does not change
 * it. Each call borrows a workspace (its buffers and the kernel's scratch) from a small lock-free
 * pool (one compare-and-set to take it, one to give it back), so the hot path takes no lock and, in
 * steady state, allocates nothing beyond the array it returns, however many threads call it, virtual
 * threads included (nothing is kept per thread); the overloads that write into the caller's array
 * allocate nothing at all.
 *
 * <p>The outputs are bit-identical to the trainer's forward pass on the same rows, batched or not:
 * every row goes through the same kernels with the same arithmetic. The weights are packed for the
 * GEMM once, when the predictor is made, which is what makes a single row fast. Dropout is the identity here.
 * For classifiers the raw outputs are logits; {@link #probabilities} applies the loss's softmax
 * (or sigmoid for binary cross-entropy) and {@link #classify} takes the argmax.
 */
public final class Predictor {
  /** Rows per forward block: workspaces stay small, and a block's GEMM still packs well. */
  static final int BLOCK = 64;
  private final Network net;
  private final Transform transform; // applied to input rows first (a copy in the workspace)
  private final PackedWeights[] packed; // per layer (null for dropout): W packed once, not per call
  private final int widest;
  private final AtomicReferenceArray<Workspace> spare;

  private Predictor(Network net, Transform transform) {
    this.net = net;
    this.transform = transform;
    int widest = 1;
    for (Layer l : net.layers) {
      widest = Math.max(widest, l.outputs());
    }
    this.widest = widest;
    packed = new PackedWeights[net.layers.size()];
    for (int l = 0; l < packed.length; l++) {
      if (net.layers.get(l) instanceof DenseLayer d) {
        packed[l] = PackedWeights.of(d.out, d.in, net.params, d.weights, d.in);
      }
    }
    spare = new AtomicReferenceArray<>(Math.max(4, 2 * Runtime.getRuntime().availableProcessors()));
  }

  /** A predictor on a copy of the network's current weights. */
  public static Predictor of(Network net) {
    return of(net, Transform.none());
  }

  /** A predictor that transforms each input row as the network's training data was transformed. */
  public static Predictor of(Network net, Transform transform) {
    return new Predictor(net.copy(), transform);
  }

  /** A predictor on the network a model file (or checkpoint) holds, with the input transform it saved. */
  public static Predictor load(Path file) throws IOException {
    ModelFile.Model m = ModelFile.read(file);
    return new Predictor(m.network(), m.transform(file));
  }

  /** The transform applied to input rows before the network. */
  public Transform transform() {
    return transform;
  }

  public int inputs() {
    return net.inputs;
  }

  public int outputs() {
    return net.outputs();
  }

  /** The network's output for one row (logits for classifiers). */
  public float[] predict(float[] row) {
    float[] out = new float[outputs()];
    predictBatch(row, 0, 1, out, 0);
    return out;
  }

  /** The outputs of n rows (row-major, n × inputs), n × outputs. */
  public float[] predictBatch(float[] rows, int n) {
    float[] out = new float[Math.multiplyExact(n, outputs())];
    predictBatch(rows, 0, n, out, 0);
    return out;
  }

  /**
   * The outputs of n rows at {@code rows[rowsOff ..]} into {@code out[outOff ..]} (n × outputs);
   * allocates nothing.
   */
  public void predictBatch(float[] rows, int rowsOff, int n, float[] out, int outOff) {
    check(rows, rowsOff, n, inputs(), "rows");
    check(out, outOff, n, outputs(), "out");
    Workspace ws = borrow();
    try {
      for (int i = 0; i < n; i += BLOCK) {
        forward(Math.min(BLOCK, n - i), rows, rowsOff + i * inputs(), out, outOff + i * outputs(), ws);
      }
    } finally {
      giveBack(ws);
    }
  }

  /** Class probabilities of one row: softmax (or per-output sigmoid for binary cross-entropy). */
  public float[] probabilities(float[] row) {
    float[] out = new float[outputs()];
    probabilitiesBatch(row, 0, 1, out, 0);
    return out;
  }

  /** Class probabilities of n rows into {@code out[outOff ..]} (n × outputs); allocates nothing. */
  public void probabilitiesBatch(float[] rows, int rowsOff, int n, float[] out, int outOff) {
    if (net.loss == Loss.MEAN_SQUARED_ERROR) {
      throw new IllegalStateException("Predictor: a network trained with mean squared error predicts values, not probabilities");
    }
    predictBatch(rows, rowsOff, n, out, outOff);
    int k = outputs();
    for (int i = 0; i < n; i++) {
      int at = outOff + i * k;
      if (net.loss == Loss.BINARY_CROSS_ENTROPY) {
        for (int j = 0; j < k; j++) {
          out[at + j] = (float) (1 / (1 + StrictMath.exp(-(double) out[at + j])));
        }
      } else {
        softmax(out, at, k);
      }
    }
  }

  /** The most likely class of one row (the first of equal outputs). */
  public int classify(float[] row) {
    int[] c = new int[1];
    classifyBatch(row, 0, 1, c, 0);
    return c[0];
  }

  /**
   * The most likely class of each of n rows into {@code classes[classesOff ..]}: the argmax of the
   * outputs (for binary cross-entropy with one output, 1 when its logit is positive); allocates
   * nothing.
   */
  public void classifyBatch(float[] rows, int rowsOff, int n, int[] classes, int classesOff) {
    check(rows, rowsOff, n, inputs(), "rows");
    if (classesOff < 0 || n > classes.length - (long) classesOff) {
      throw new IllegalArgumentException("Predictor: classes has " + classes.length + " slots, " + n + " needed from "
          + classesOff);
    }
    if (net.loss == Loss.MEAN_SQUARED_ERROR) {
      throw new IllegalStateException("Predictor: a network trained with mean squared error predicts values, not classes");
    }
    Workspace ws = borrow();
    try {
      int k = outputs();
      float[] logits = ws.blocks[2];
      for (int i = 0; i < n; i += BLOCK) {
        int m = Math.min(BLOCK, n - i);
        forward(m, rows, rowsOff + i * inputs(), logits, 0, ws);
        if (k == 1) {
          for (int r = 0; r < m; r++) {
            classes[classesOff + i + r] = logits[r] > 0 ? 1 : 0;
          }
        } else {
          Reductions.argmaxRows(m, k, logits, 0, k, classes, classesOff + i);
        }
      }
    } finally {
      giveBack(ws);
    }
  }

  // x m×inputs at x[xOff] → y m×outputs at y[yOff]; ws: two ping-pong blocks, logits, transformed x
  private void forward(int m, float[] x, int xOff, float[] y, int yOff, Workspace ws) {
    if (transform.kind() != Transform.Kind.NONE) {
      transform.apply(x, xOff, m, net.inputs, ws.blocks[3], 0);
      x = ws.blocks[3];
      xOff = 0;
    }
    float[] in = x;
    int inOff = xOff, last = net.layers.size() - 1, dense = 0;
    for (int l = 0; l <= last; l++) {
      if (net.layers.get(l) instanceof DenseLayer d) {
        float[] out = l == last ? y : ws.blocks[dense++ & 1]; // never the block it reads
        int outOff = l == last ? yOff : 0;
        Dense.forward(ws.scratch, d.act, m, packed[l], in, inOff, d.in, net.params, d.bias, out, outOff, d.out);
        in = out;
        inOff = outOff;
      } // dropout: the identity at inference
    }
  }

  /** max-subtracted softmax in double with StrictMath, so the bits do not depend on the JIT. */
  private static void softmax(float[] z, int off, int k) {
    float max = Float.NEGATIVE_INFINITY;
    for (int j = 0; j < k; j++) {
      max = Math.max(max, z[off + j]);
    }
    double sum = 0;
    for (int j = 0; j < k; j++) {
      sum += StrictMath.exp((double) z[off + j] - max);
    }
    for (int j = 0; j < k; j++) {
      z[off + j] = (float) (StrictMath.exp((double) z[off + j] - max) / sum);
    }
  }

  /**
   * One call's buffers: two ping-pong blocks for hidden layers, one for the logits of
   * classifyBatch, one for transformed inputs; and the kernel's scratch, so no thread keeps its own.
   */
  private record Workspace(float[][] blocks, InferenceScratch scratch) {}

  private Workspace borrow() {
    int slots = spare.length();
    int start = (int) (Thread.currentThread().threadId() % slots);
    for (int i = 0; i < slots; i++) {
      int s = (start + i) % slots;
      Workspace ws = spare.get(s);
      if (ws != null && spare.compareAndSet(s, ws, null)) {
        return ws;
      }
    }
    return new Workspace(new float[][] {new float[BLOCK * widest], new float[BLOCK * widest],
        new float[BLOCK * outputs()], new float[transform.kind() == Transform.Kind.NONE ? 0 : BLOCK * net.inputs]},
        new InferenceScratch());
  }

  private void giveBack(Workspace ws) {
    int slots = spare.length();
    int start = (int) (Thread.currentThread().threadId() % slots);
    for (int i = 0; i < slots; i++) {
      int s = (start + i) % slots;
      if (spare.get(s) == null && spare.compareAndSet(s, null, ws)) {
        return;
      }
    } // every slot is full: more threads than slots are predicting; let this one go
  }

  private static void check(float[] a, int off, int n, int width, String name) {
    if (n < 0 || off < 0 || (long) n * width > a.length - (long) off) {
      throw new IllegalArgumentException("Predictor: " + name + " has " + a.length + " floats; " + n + " rows of "
          + width + " from offset " + off + " do not fit");
    }
  }
}
