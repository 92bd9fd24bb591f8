package dev.lanes.nn;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A training run saved so that it can continue bit for bit: a model file (the network's weights
 * and architecture, loadable by {@link ModelFile} and by PyTorch) plus the optimizer's moments as
 * {@code optimizer.m} and {@code optimizer.v} (the parameters' flat layout) and, under the
 * metadata key {@code lanes.training}, the step, the optimizer's hyperparameters and step count,
 * the batch size, epochs, seed, clipping and schedule, and the partial epoch's loss sum.
 *
 * <p>The seed and the step are the whole random state: shuffles and dropout masks are hashes of
 * (seed, epoch) and (seed, step, layer, example), not streams. Listeners are not saved (an early
 * stopping rule starts counting afresh). Writes are atomic.
 *
 * <pre>{@code
 * Checkpoint.save(trainer, Path.of("run.ckpt"));   // e.g. from a TrainingListener
 * Checkpoint c = Checkpoint.load(Path.of("run.ckpt"));
 * try (Trainer t = c.trainer().threads(8).build()) {
 *   t.fit(train, validation);                      // continues at the saved step
 * }
 * }</pre>
 */
public final class Checkpoint {
  static final String TRAINING_KEY = "lanes.training";
  private static final String M = "optimizer.m", V = "optimizer.v";

  private final Network net;
  private final Map<String, String> metadata;
  private final Trainer.State state;
  private final Optimizer optimizer;
  private final int batch, epochs;
  private final long seed;
  private final float clipNorm;
  private final Schedule schedule;
  private final String scheduleText;

  private Checkpoint(Network net, Map<String, String> metadata, Trainer.State state, Optimizer optimizer, int batch,
                     int epochs, long seed, float clipNorm, String scheduleText) {
    this.net = net;
    this.metadata = metadata;
    this.state = state;
    this.optimizer = optimizer;
    this.batch = batch;
    this.epochs = epochs;
    this.seed = seed;
    this.clipNorm = clipNorm;
    this.scheduleText = scheduleText;
    Schedule s = null;
    try {
      s = Schedule.parse(scheduleText);
    } catch (IllegalArgumentException custom) {
      // a schedule of the caller's own: trainer() asks for it again
    }
    this.schedule = s;
  }

  /**
   * Saves the trainer's network, optimizer state and progress to {@code file}, atomically. Call it
   * between steps (from a listener, or after fit returns), not while a step runs.
   */
  public static void save(Trainer trainer, Path file) throws IOException {
    save(trainer, file, Map.of());
  }

  /** As {@link #save(Trainer, Path)}, with extra string metadata of the caller's. */
  public static void save(Trainer trainer, Path file, Map<String, String> extra) throws IOException {
    Network net = trainer.network();
    Trainer.State s = trainer.state();
    Map<String, Object> training = new LinkedHashMap<>();
    training.put("step", s.step());
    training.put("epoch_loss_sum", s.epochLossSum());
    training.put("train_rows", s.trainRows());
    training.put("optimizer", trainer.optimizer().config());
    training.put("optimizer_step", s.optimizerStep());
    training.put("batch", trainer.batchSize());
    training.put("epochs", trainer.epochs());
    training.put("seed", trainer.seed());
    training.put("clip_norm", trainer.clipNorm());
    training.put("schedule", trainer.schedule().toString());
    Map<String, String> meta = new LinkedHashMap<>(extra);
    if (meta.containsKey(TRAINING_KEY)) {
      throw new IllegalArgumentException("Checkpoint: metadata key " + TRAINING_KEY + " is reserved");
    }
    meta.put(TRAINING_KEY, Json.write(training));
    List<Safetensors.Tensor> tensors = new ArrayList<>(ModelFile.tensors(net));
    if (s.m() != null) {
      tensors.add(new Safetensors.Tensor(M, new int[] {s.m().length}, s.m()));
    }
    if (s.v() != null) {
      tensors.add(new Safetensors.Tensor(V, new int[] {s.v().length}, s.v()));
    }
    Safetensors.write(file, ModelFile.metadata(net, meta), tensors);
  }

  /** Reads a checkpoint, checking the network as {@link ModelFile} does and the state against it. */
  public static Checkpoint load(Path file) throws IOException {
    Safetensors.Contents c = Safetensors.read(file);
    Network net = ModelFile.network(file, c);
    String json = c.metadata().get(TRAINING_KEY);
    if (json == null) {
      throw new BadFileException(file, -1, "a model file, not a checkpoint: __metadata__ has no " + TRAINING_KEY);
    }
    try {
      Json.Obj t = new Json.Obj(TRAINING_KEY, Json.parse(json));
      Optimizer optimizer = Optimizer.fromConfig(t.object("optimizer"));
      long step = t.longValue("step");
      int optimizerStep = t.intValue("optimizer_step"), batch = t.intValue("batch"), epochs = t.intValue("epochs");
      int rows = t.intValue("train_rows");
      if (step < 0 || optimizerStep < 0 || batch < 1 || epochs < 0 || rows < 0) {
        throw new IOException("step, batch, epochs or rows out of range");
      }
      optimizer.bind(0); // tells which state tensors this kind keeps
      float[] m = state(file, c, M, net, optimizer.firstMoments() != null);
      float[] v = state(file, c, V, net, optimizer.secondMoments() != null);
      Trainer.State state = new Trainer.State(step, t.doubleValue("epoch_loss_sum"), rows, batch, optimizerStep, m, v);
      return new Checkpoint(net, c.metadata(), state, optimizer, batch, epochs, t.longValue("seed"),
          t.floatValue("clip_norm"), t.string("schedule"));
    } catch (BadFileException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw new BadFileException(file, -1, "__metadata__ " + TRAINING_KEY + ": " + e.getMessage());
    }
  }

  private static float[] state(Path file, Safetensors.Contents c, String name, Network net, boolean kept)
      throws IOException {
    Safetensors.Tensor t = c.tensors().get(name);
    if (!kept) {
      if (t != null) {
        throw new BadFileException(file, -1, "tensor " + name + " is present but the optimizer keeps no such state");
      }
      return null;
    }
    if (t == null || t.shape().length != 1 || t.shape()[0] != net.params.length) {
      throw new BadFileException(file, -1, "tensor " + name + (t == null ? " is missing" : " has " + t.elements()
          + " elements") + "; the optimizer's state needs one per parameter (" + net.params.length + ")");
    }
    float[] data = t.data();
    for (int i = 0; i < data.length; i++) {
      if (!Float.isFinite(data[i])) {
        throw new BadFileException(file, -1, "tensor " + name + " holds " + data[i] + " at [" + i + "]");
      }
    }
    return data;
  }

  /** The step a checkpoint file was saved at, from its header alone (no tensor is read). */
  public static long stepOf(Path file) throws IOException {
    String json = Safetensors.metadata(file).get(TRAINING_KEY);
    if (json == null) {
      throw new BadFileException(file, -1, "a model file, not a checkpoint: __metadata__ has no " + TRAINING_KEY);
    }
    try {
      return new Json.Obj(TRAINING_KEY, Json.parse(json)).longValue("step");
    } catch (IOException | RuntimeException e) {
      throw new BadFileException(file, -1, "__metadata__ " + TRAINING_KEY + ": " + e.getMessage());
    }
  }

  /** The network, with the saved weights (trained further by {@link #trainer()}'s trainer). */
  public Network network() {
    return net;
  }

  /** Steps taken when it was saved. */
  public long step() {
    return state.step();
  }

  /** The run's seed (weights, shuffles, dropout, and a caller's own uses such as a data split). */
  public long seed() {
    return seed;
  }

  /** The file's metadata, the caller's keys included. */
  public Map<String, String> metadata() {
    return metadata;
  }

  /**
   * A trainer builder set up as the saved run was (optimizer, batch size, epochs, seed, clipping,
   * schedule) that restores its state when built; threads, pool and listeners are the caller's to
   * add, and the epochs may be raised to train longer. Each call gives a fresh optimizer with the
   * saved state, but every trainer trains {@link #network()} in place: to retry from the checkpoint,
   * load it again.
   */
  public Trainer.Builder trainer() {
    Trainer.Builder b = Trainer.builder(net)
        .optimizer(optimizer.copy())
        .batchSize(batch)
        .epochs(epochs)
        .seed(seed)
        .clipNorm(clipNorm);
    if (schedule != null) {
      b.schedule(schedule);
    }
    return b.resume(state, schedule == null ? scheduleText : null);
  }
}
