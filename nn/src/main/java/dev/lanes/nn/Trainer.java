package dev.lanes.nn;

import dev.lanes.kernel.Reductions;
import dev.lanes.kernel.WorkerPool;
import java.util.ArrayList;
import java.util.List;

/**
 * Trains a {@link Network} by mini-batch backpropagation: epochs over a dataset shuffled from the
 * seed each epoch, the last partial batch included, an optimizer step per batch (with an optional
 * learning-rate schedule and clipping by global gradient norm), validation after each epoch, and
 * listeners that can stop the run.
 *
 * <p>The batch runs on the workers of one pool, reused across steps: the products split the batch's
 * rows (forward, dX) and the blocks of dW among them, each worker owning whole rows or blocks, so
 * the trained weights are bit-identical for any number of threads. Activations, gradients and
 * scratch are sized once for the batch size, so a step allocates nothing. A NaN or infinite loss or
 * gradient stops training with a {@link TrainingException} naming the step, layer and tensor,
 * before the optimizer touches the weights.
 */
public final class Trainer implements AutoCloseable {
  private final Network net;
  private final Optimizer optimizer;
  private final int batch, epochs;
  private final long seed;
  private final Schedule schedule;
  private final float clipNorm;
  private final TrainingListener[] listeners; // an array: iterating it allocates no iterator
  private final WorkerPool pool;
  private final boolean ownsPool;

  // sized once for the batch size (layer l's output, kept pre-activation, gradient, dropout mask)
  private final float[][] out, pre, grad, mask;
  private final float[] x, targets, logSum, grads;
  // the batch's input rows: the shuffled rows gathered into x, or consecutive rows where they lie
  private float[] input;
  private int inputOff;
  private final int[] labels, examples, predicted;
  private long step;
  private double epochLossSum; // Σ loss·rows over the current epoch's steps so far
  private int trainRows; // rows of the training set fit has run on (0: none yet)
  // the optimizer's update, split into slices across the pool; a field, so a step allocates nothing
  private final WorkerPool.Task update = this::updateSlice;
  private float updateRate, updateScale;
  /** Parameters per worker below which the update is not split (a hand-off costs ~1 µs). */
  private static final int MIN_UPDATE_PER_WORKER = 1 << 15;
  /** Floats per worker below which the copy of shuffled rows is not split (64 KiB: ~10 µs). */
  private static final int MIN_GATHER_PER_WORKER = 1 << 14;
  // the copy of shuffled input rows, split across the pool: its task and the call's arguments
  private final WorkerPool.Task gatherRows = this::gatherSlice;
  private final LossPass lossPass;
  private Dataset gathering;
  private int[] gatherOrder;
  private int gatherStart, gatherCount;

  private Trainer(Builder b) {
    net = b.net;
    optimizer = b.optimizer;
    batch = b.batch;
    epochs = b.epochs;
    seed = b.seed;
    schedule = b.schedule;
    clipNorm = b.clipNorm;
    listeners = b.listeners.toArray(new TrainingListener[0]);
    ownsPool = b.pool == null && b.threads > 1;
    pool = b.pool != null ? b.pool : b.threads > 1 ? new WorkerPool(b.threads) : null;
    int layers = net.layers.size();
    out = new float[layers][];
    pre = new float[layers][];
    grad = new float[layers][];
    mask = new float[layers][];
    for (int l = 0; l < layers; l++) {
      Layer layer = net.layers.get(l);
      out[l] = new float[batch * layer.outputs()];
      grad[l] = new float[batch * layer.outputs()];
      if (layer instanceof DenseLayer d && d.keepsPreActivation()) {
        pre[l] = new float[batch * d.out];
      }
      if (layer instanceof DropoutLayer) {
        mask[l] = new float[batch * layer.outputs()];
      }
    }
    x = new float[batch * net.inputs];
    input = x;
    labels = new int[batch];
    targets = new float[batch * net.outputs()];
    examples = new int[batch];
    predicted = new int[batch];
    logSum = new float[batch];
    lossPass = new LossPass(net.loss, net.outputs(), batch);
    grads = new float[net.params.length];
    optimizer.bind(net.params.length);
    if (b.resume != null) {
      restore(b.resume);
    }
  }

  /** A run's state beyond the weights: what a checkpoint holds to continue it bit for bit. */
  record State(long step, double epochLossSum, int trainRows, int batch, int optimizerStep, float[] m, float[] v) {}

  State state() {
    return new State(step, epochLossSum, trainRows, batch, optimizer.stepCount(), optimizer.firstMoments(),
        optimizer.secondMoments());
  }

  private void restore(State s) {
    if (s.batch() != batch) { // the step counts batches: another size would put fit in another epoch
      throw new IllegalArgumentException("Trainer: the checkpoint's run used batches of " + s.batch()
          + "; resume it with that batch size, not " + batch);
    }
    if ((s.m() == null) != (optimizer.firstMoments() == null) || (s.v() == null) != (optimizer.secondMoments() == null)) {
      throw new IllegalArgumentException("Trainer: the checkpoint's optimizer state does not fit " + optimizer
          + "; resume with the optimizer kind the checkpoint was saved with");
    }
    if (s.m() != null) {
      System.arraycopy(s.m(), 0, optimizer.firstMoments(), 0, s.m().length);
    }
    if (s.v() != null) {
      System.arraycopy(s.v(), 0, optimizer.secondMoments(), 0, s.v().length);
    }
    optimizer.restoreStepCount(s.optimizerStep());
    step = s.step();
    epochLossSum = s.epochLossSum();
    trainRows = s.trainRows();
  }

  Network network() {
    return net;
  }

  /** The optimizer, for its hyperparameters (its state is the trainer's). */
  public Optimizer optimizer() {
    return optimizer;
  }

  public int batchSize() {
    return batch;
  }

  /** Epochs in all, counted from the start of the run (a resumed run included). */
  public int epochs() {
    return epochs;
  }

  long seed() {
    return seed;
  }

  Schedule schedule() {
    return schedule;
  }

  float clipNorm() {
    return clipNorm;
  }

  /**
   * Starts a trainer for {@code net}; the network's weights are trained in place. The optimizer's
   * state belongs to this trainer: give each trainer its own optimizer.
   */
  public static Builder builder(Network net) {
    return new Builder(net);
  }

  /**
   * Trains until the configured epochs are done (or a listener stops it) and returns the metrics
   * of each epoch it ran. {@code validation} may be null. It continues from the trainer's step
   * count: after a stop, or on a trainer resumed from a {@link Checkpoint}, it picks up at the same
   * epoch and batch, with the same shuffle, so the run's bits are those of a run never stopped.
   *
   * @throws TrainingException if the loss or a gradient becomes NaN or infinite
   */
  public List<EpochResult> fit(Dataset train, Dataset validation) {
    check(train, "training");
    if (validation != null) {
      check(validation, "validation");
    }
    int[] order = new int[train.rows];
    long perEpoch = (train.rows + batch - 1) / batch;
    long total = perEpoch * epochs;
    if (step > 0 && trainRows != 0 && trainRows != train.rows) {
      throw new IllegalArgumentException("Trainer: the run so far (or the checkpoint it resumed) trained on "
          + trainRows + " rows per epoch; this training set has " + train.rows + ", so its epochs would not continue");
    }
    trainRows = train.rows;
    List<EpochResult> history = new ArrayList<>();
    int firstEpoch = (int) Math.min(epochs, step / perEpoch); // a resumed run picks up where it stopped
    for (int epoch = firstEpoch; epoch < epochs; epoch++) {
      long started = System.nanoTime();
      Dataset.shuffle(order, train.rows, Hash.mix(seed, epoch));
      long first = epoch == firstEpoch ? step % perEpoch : 0;
      if (first == 0) {
        epochLossSum = 0;
      }
      boolean stop = false;
      for (int start = (int) (first * batch); start < train.rows && !stop; start += batch) {
        int m = Math.min(batch, train.rows - start);
        gather(train, order, start, m);
        float lr = optimizer.learningRate * schedule.factor(step, total, perEpoch);
        float loss = trainStep(m, lr);
        epochLossSum += (double) loss * m;
        for (TrainingListener l : listeners) {
          stop |= !l.onStep(epoch, step - 1, loss);
        }
      }
      float[] val = validation == null ? new float[] {Float.NaN, Float.NaN} : evaluate(validation);
      EpochResult r = new EpochResult(epoch, step, (float) (epochLossSum / train.rows), val[0], val[1],
          (System.nanoTime() - started) / 1e9);
      history.add(r);
      for (TrainingListener l : listeners) {
        stop |= !l.onEpoch(r);
      }
      if (stop) {
        break;
      }
    }
    return history;
  }

  /**
   * Mean loss and accuracy (NaN for losses without labels) of the network on {@code data}, in
   * batches, without dropout.
   */
  public float[] evaluate(Dataset data) {
    check(data, "evaluation");
    double lossSum = 0;
    long correct = 0;
    for (int start = 0; start < data.rows; start += batch) {
      int m = Math.min(batch, data.rows - start);
      gather(data, null, start, m);
      float[] y = forward(m, false);
      lossSum += (double) net.loss.forward(m, 0, net.outputs(), y, labels, targets, logSum) * m;
      if (net.loss.usesLabels()) {
        Reductions.argmaxRows(m, net.outputs(), y, 0, net.outputs(), predicted, 0);
        for (int i = 0; i < m; i++) {
          correct += predicted[i] == labels[i] ? 1 : 0;
        }
      }
    }
    letGoOfInput();
    float accuracy = net.loss.usesLabels() ? (float) correct / data.rows : Float.NaN;
    return new float[] {(float) (lossSum / data.rows), accuracy};
  }

  /**
   * One optimizer step on rows [start, start + m) of data, in order, at the schedule's learning rate
   * for the current step of a run whose end is the next step (so a schedule that depends on the
   * run's length sees each step as the last): for hand-written training loops and benchmarks; mixed
   * with {@link #fit}, these steps count as fit's batches. Returns the batch's loss.
   *
   * @throws TrainingException if the loss or a gradient is NaN or infinite
   */
  public float step(Dataset data, int start, int m) {
    check(data, "training");
    if (start < 0 || m < 1 || m > batch || start > data.rows - m) {
      throw new IllegalArgumentException("Trainer.step: rows [" + start + ", " + ((long) start + m) + ") of "
          + data.rows + " with batch size " + batch);
    }
    gather(data, null, start, m);
    try {
      return trainStep(m, optimizer.learningRate * schedule.factor(step, step + 1, 1));
    } finally {
      letGoOfInput();
    }
  }

  /** Steps taken so far. */
  public long steps() {
    return step;
  }

  /** One step on the m gathered rows: forward, loss, backward, checks, update. Returns the loss. */
  private float trainStep(int m, float lr) {
    float loss = backprop(m);
    double squares = gradientSquares();
    updateRate = lr;
    updateScale = clipNorm > 0 ? (float) Math.min(1, clipNorm / Math.sqrt(squares)) : 1f;
    optimizer.advance();
    int n = net.params.length;
    int workers = pool == null ? 1 : Math.min(pool.size(), 1 + n / MIN_UPDATE_PER_WORKER);
    if (workers == 1) {
      optimizer.update(0, n, net.params, grads, updateRate, updateScale);
    } else {
      pool.run(workers, update);
    }
    step++;
    return loss;
  }

  /** Worker w's slice of the update: [w·n/W, (w+1)·n/W) rounded to 64 floats. */
  private void updateSlice(int worker, int workers) {
    int n = net.params.length;
    int from = (int) Math.min(n, (long) n * worker / workers / 64 * 64);
    int to = worker == workers - 1 ? n : (int) Math.min(n, (long) n * (worker + 1) / workers / 64 * 64);
    optimizer.update(from, to, net.params, grads, updateRate, updateScale);
  }

  /** The loss of the first m rows of data and its gradient in {@link #gradients()}; no update. */
  float lossAndGradients(Dataset data, int m) {
    gather(data, null, 0, m);
    float loss = backprop(m);
    letGoOfInput();
    gradientSquares();
    return loss;
  }

  /** The gradient array (the parameters' layout), as the last step left it. */
  float[] gradients() {
    return grads;
  }

  /** Forward, loss and backward on the m gathered rows; returns the loss. */
  private float backprop(int m) {
    float[] y = forward(m, true);
    int last = net.layers.size() - 1;
    float loss = lossPass.run(pool, m, y, labels, targets, logSum, grad[last]);
    if (!Float.isFinite(loss)) {
      throw new TrainingException(step, -1, "loss", "training stopped at step " + step + ": the loss is " + loss
          + " (the weights are those after step " + (step - 1) + ")");
    }
    for (int l = last; l >= 0; l--) {
      float[] in = l == 0 ? input : out[l - 1];
      float[] dIn = l == 0 ? null : grad[l - 1];
      Layer layer = net.layers.get(l);
      if (layer instanceof DenseLayer d) {
        d.backward(pool, m, net.params, grads, in, l == 0 ? inputOff : 0, d.keepsPreActivation() ? pre[l] : out[l],
            grad[l], dIn);
      } else if (dIn != null) {
        ((DropoutLayer) layer).backward(m, mask[l], grad[l], dIn);
      }
    }
    return loss;
  }

  /** Σ g² over all gradients, each tensor checked for NaN and Inf on the way. */
  private double gradientSquares() {
    double total = 0;
    for (int l = 0; l < net.layers.size(); l++) {
      if (net.layers.get(l) instanceof DenseLayer d) {
        total += finite(Reductions.sumOfSquares(pool, d.out * d.in, grads, d.weights), l, "weight");
        total += finite(Reductions.sumOfSquares(d.out, grads, d.bias), l, "bias");
      }
    }
    return total;
  }

  private double finite(double squares, int layer, String tensor) {
    if (!Double.isFinite(squares)) { // NaN anywhere, or an infinite element (or an overflowing sum)
      String name = "layers." + layer + "." + tensor + ".grad";
      throw new TrainingException(step, layer, name, "training stopped at step " + step + ": " + name
          + " (" + net.layers.get(layer).describe() + ") holds NaN or Inf, or values whose squares overflow;"
          + " the weights are those after step "
          + (step - 1));
    }
    return squares;
  }

  /** The forward pass over the batch's m input rows; returns the output block (m × outputs). */
  private float[] forward(int m, boolean training) {
    float[] in = input;
    int inOff = inputOff;
    for (int l = 0; l < net.layers.size(); l++) {
      Layer layer = net.layers.get(l);
      if (layer instanceof DenseLayer d) {
        d.forward(pool, m, net.params, in, inOff, pre[l], out[l]);
      } else {
        DropoutLayer d = (DropoutLayer) layer;
        if (training) {
          d.forward(m, seed, step, examples, in, inOff, mask[l], out[l]);
        } else {
          System.arraycopy(in, inOff, out[l], 0, m * d.width);
        }
      }
      in = out[l];
      inOff = 0;
    }
    return in;
  }

  /**
   * Takes rows order[start .. start+m) (or start .. when order is null) as the batch: labels or
   * targets into the batch buffers; the inputs too when shuffled, else read where they lie in data
   * (at batch 512 of 784 features, copying them cost 2–3% of a step).
   */
  private void gather(Dataset data, int[] order, int start, int m) {
    int f = data.features, o = data.outputs;
    input = order == null ? data.x : x;
    inputOff = order == null ? start * f : 0;
    if (order != null) {
      int workers = pool == null ? 1 : Math.min(pool.size(), 1 + m * f / MIN_GATHER_PER_WORKER);
      if (workers == 1) {
        copyRows(data, order, start, 0, m);
      } else {
        gathering = data;
        gatherOrder = order;
        gatherStart = start;
        gatherCount = m;
        pool.run(workers, gatherRows);
        gathering = null; // as letGoOfInput
        gatherOrder = null;
      }
    }
    for (int i = 0; i < m; i++) {
      int r = order == null ? start + i : order[start + i];
      examples[i] = r;
      if (data.labels != null) {
        labels[i] = data.labels[r];
      } else {
        System.arraycopy(data.targets, r * o, targets, i * o, o);
      }
    }
  }

  /** Points the input back at the batch buffer, so the trainer keeps no dataset between calls. */
  private void letGoOfInput() {
    input = x;
    inputOff = 0;
  }

  /** Worker w's rows of the shuffled copy: [w·m/W, (w+1)·m/W). */
  private void gatherSlice(int worker, int workers) {
    int m = gatherCount;
    copyRows(gathering, gatherOrder, gatherStart, m * worker / workers, m * (worker + 1) / workers);
  }

  /** Copies the input rows order[start + i] for i in [from, to) into rows i of x. */
  private void copyRows(Dataset data, int[] order, int start, int from, int to) {
    int f = data.features;
    for (int i = from; i < to; i++) {
      System.arraycopy(data.x, order[start + i] * f, x, i * f, f);
    }
  }

  private void check(Dataset data, String what) {
    if (data == null || data.rows == 0) {
      throw new IllegalArgumentException("Trainer: the " + what + " set is empty");
    }
    if (data.features != net.inputs) {
      throw new IllegalArgumentException("Trainer: the " + what + " set has " + data.features
          + " features per row, the network takes " + net.inputs);
    }
    if (net.loss.usesLabels() != (data.labels != null)) {
      throw new IllegalArgumentException("Trainer: " + net.loss + " needs " + (net.loss.usesLabels()
          ? "class labels" : "target rows") + "; the " + what + " set has " + (data.labels != null ? "labels" : "targets"));
    }
    if (data.outputs != net.outputs()) {
      throw new IllegalArgumentException("Trainer: the " + what + " set has " + data.outputs + (net.loss.usesLabels()
          ? " classes" : " targets per row") + ", the network has " + net.outputs() + " outputs");
    }
  }

  /** Closes the pool if the trainer made it. */
  @Override
  public void close() {
    if (ownsPool) {
      pool.close();
    }
  }

  /** The training configuration. */
  public static final class Builder {
    private final Network net;
    private Optimizer optimizer = Optimizer.adam(1e-3f);
    private int batch = 32, epochs = 1, threads = 1;
    private long seed;
    private Schedule schedule = Schedule.constant();
    private float clipNorm;
    private WorkerPool pool;
    private final List<TrainingListener> listeners = new ArrayList<>();
    private State resume;
    private String missingSchedule; // a checkpoint's schedule of the caller's own, to be given again

    private Builder(Network net) {
      if (net == null) {
        throw new IllegalArgumentException("Trainer: network is null");
      }
      this.net = net;
    }

    public Builder optimizer(Optimizer optimizer) {
      this.optimizer = optimizer;
      return this;
    }

    public Builder batchSize(int batch) {
      if (batch < 1) {
        throw new IllegalArgumentException("Trainer: batch size must be >= 1, got " + batch);
      }
      this.batch = batch;
      return this;
    }

    public Builder epochs(int epochs) {
      if (epochs < 0) {
        throw new IllegalArgumentException("Trainer: epochs must be >= 0, got " + epochs);
      }
      this.epochs = epochs;
      return this;
    }

    /** Seeds shuffling and dropout. */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** Runs on a new pool of this many threads (the caller among them), closed with the trainer. */
    public Builder threads(int threads) {
      if (threads < 1) {
        throw new IllegalArgumentException("Trainer: threads must be >= 1, got " + threads);
      }
      this.threads = threads;
      return this;
    }

    /** Runs on the caller's pool, which the trainer does not close. */
    public Builder pool(WorkerPool pool) {
      this.pool = pool;
      return this;
    }

    public Builder schedule(Schedule schedule) {
      this.schedule = schedule;
      this.missingSchedule = null;
      return this;
    }

    /** Scales the gradients down when their global L2 norm exceeds maxNorm (0: no clipping). */
    public Builder clipNorm(float maxNorm) {
      if (!(maxNorm >= 0)) {
        throw new IllegalArgumentException("Trainer: clip norm must be >= 0, got " + maxNorm);
      }
      this.clipNorm = maxNorm;
      return this;
    }

    public Builder listener(TrainingListener listener) {
      listeners.add(listener);
      return this;
    }

    /** Continues from a checkpoint's state (package-private: {@link Checkpoint#trainer()} sets it). */
    Builder resume(State state, String missingSchedule) {
      this.resume = state;
      this.missingSchedule = missingSchedule;
      return this;
    }

    public Trainer build() {
      if (missingSchedule != null) {
        throw new IllegalStateException("Trainer: the checkpoint was trained with a schedule of the caller's own ("
            + missingSchedule + "); give it again with schedule(...)");
      }
      return new Trainer(this);
    }
  }
}
