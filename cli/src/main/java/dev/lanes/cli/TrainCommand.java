package dev.lanes.cli;

import dev.lanes.kernel.Activation;
import dev.lanes.nn.BadFileException;
import dev.lanes.nn.Checkpoint;
import dev.lanes.nn.DataSchema;
import dev.lanes.nn.Dataset;
import dev.lanes.nn.EpochResult;
import dev.lanes.nn.Loss;
import dev.lanes.nn.ModelFile;
import dev.lanes.nn.Network;
import dev.lanes.nn.Optimizer;
import dev.lanes.nn.Schedule;
import dev.lanes.nn.Trainer;
import dev.lanes.nn.TrainingException;
import dev.lanes.nn.TrainingListener;
import dev.lanes.nn.Transform;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code lanes train}: trains a network on a data set, leaving in its output folder the metrics
 * (jsonl and csv), a chart, a checkpoint per epoch, the best model by validation accuracy (loss for
 * regression) and the final model. Ctrl-C stops at the next step and saves a checkpoint first.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Trains a network on a data set (a CSV file, a folder of IDX files, or fashion-mnist).")
final class TrainCommand implements Callable<Integer> {
  enum Task { classification, regression }

  enum Kind { sgd, momentum, nesterov, adam, adamw }

  @Spec
  CommandSpec spec;

  @Option(names = "--data", required = true, paramLabel = "PATH|fashion-mnist",
      description = "A CSV file with a header row, a folder of IDX files, or fashion-mnist.")
  String data;

  @Option(names = "--label", paramLabel = "COLUMN", description = "The CSV's label column: a name or a 0-based index (default: the last).")
  String label;

  @Option(names = "--task", defaultValue = "classification", description = "classification or regression (default: ${DEFAULT-VALUE}).")
  Task task;

  @Option(names = "--validation", paramLabel = "FRACTION",
      description = "Part of a CSV's rows held out to validate each epoch (default: 0.1; IDX data uses its test set).")
  Double validation;

  @Option(names = "--scale", paramLabel = "none|minmax|standardize",
      description = "Input transform fitted on the training rows and saved with the model (default: standardize for CSV, none for IDX).")
  Transform.Kind scale;

  @Option(names = "--layers", split = ",", paramLabel = "WIDTHS", defaultValue = "256,128",
      description = "Hidden layer widths (default: ${DEFAULT-VALUE}).")
  int[] layers;

  @Option(names = "--activation", defaultValue = "relu", paramLabel = "NAME",
      description = "relu, leaky_relu(0.01), sigmoid, tanh, gelu, silu or softplus (default: ${DEFAULT-VALUE}).")
  String activation;

  @Option(names = "--dropout", defaultValue = "0", paramLabel = "RATE", description = "Dropout after each hidden layer (default: none).")
  float dropout;

  @Option(names = "--optimizer", defaultValue = "adam", description = "sgd, momentum, nesterov, adam or adamw (default: ${DEFAULT-VALUE}).")
  Kind optimizer;

  @Option(names = "--lr", defaultValue = "1e-3", description = "Learning rate (default: ${DEFAULT-VALUE}).")
  float lr;

  @Option(names = "--momentum", defaultValue = "0.9", description = "For momentum and nesterov (default: ${DEFAULT-VALUE}).")
  float momentum;

  @Option(names = "--weight-decay", paramLabel = "WD", description = "L2 (decoupled for adamw; default: 0, adamw 0.01).")
  Float weightDecay;

  @Option(names = "--schedule", defaultValue = "constant", paramLabel = "SCHEDULE",
      description = "constant, cosine(MIN), step(EPOCHS,GAMMA) or warmup(STEPS,SCHEDULE) (default: ${DEFAULT-VALUE}).")
  String schedule;

  @Option(names = "--clip-norm", defaultValue = "0", paramLabel = "NORM", description = "Clip gradients to this global norm (default: off).")
  float clipNorm;

  @Option(names = "--batch", defaultValue = "128", description = "Mini-batch size (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--epochs", description = "Epochs in all (default: 10; on --resume, the checkpoint's; raising it stretches the schedule).")
  Integer epochs;

  @Option(names = "--threads", description = "Worker threads (default: all cores); the bits do not depend on it.")
  Integer threads;

  @Option(names = "--seed", defaultValue = "1", description = "Seeds the weights, the split, the shuffles and dropout (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--out", paramLabel = "DIR", description = "Output folder (default: runs/<timestamp>, or the resumed run's).")
  Path out;

  @Option(names = "--resume", paramLabel = "CKPT|DIR", description = "Continue a run from a checkpoint (or a run folder's newest one).")
  Path resume;

  @Option(names = "--init", paramLabel = "FILE", description = "Start from a model file's architecture and weights.")
  Path init;

  /** Model and optimizer options a checkpoint fixes, so that --resume cannot take them. */
  private static final List<String> FIXED_BY_CHECKPOINT = List.of("--layers", "--activation", "--dropout", "--optimizer",
      "--lr", "--momentum", "--weight-decay", "--schedule", "--clip-norm", "--batch", "--seed", "--init", "--task",
      "--scale", "--validation");
  private static final String VALIDATION_KEY = "lanes.cli.validation";

  @Override
  public Integer call() throws Exception {
    PrintWriter stdout = spec.commandLine().getOut();
    checkOptions();
    Path resumeFile = resume == null ? null : checkpointIn(resume);
    Checkpoint ckpt = resumeFile == null ? null : Checkpoint.load(resumeFile);
    ModelFile.Model initial = init == null ? null : ModelFile.read(init);
    Map<String, String> saved = ckpt != null ? ckpt.metadata() : initial != null ? initial.metadata() : null;
    Network given = ckpt != null ? ckpt.network() : initial != null ? initial.network() : null;
    boolean regression = given != null ? given.loss() == Loss.MEAN_SQUARED_ERROR : task == Task.regression;

    Path savedFile = resumeFile != null ? resumeFile : init;
    DataSchema known = saved == null ? null : new ModelFile.Model(given, saved).schema(savedFile);
    DataSource.Loaded loaded = DataSource.load(data, label, regression, known);
    // a checkpoint fixes the split; a model given to --init only its weights and input transform
    double held = ckpt != null && saved.containsKey(VALIDATION_KEY) ? parseFraction(resumeFile, saved.get(VALIDATION_KEY))
        : validation != null ? validation : 0.1;
    Dataset train = loaded.train(), val = loaded.test();
    if (val == null && held > 0) {
      Dataset[] parts = train.split(1 - held, ckpt != null ? ckpt.seed() : seed);
      train = parts[0];
      val = parts[1];
    }
    Transform transform = saved != null && saved.containsKey(Transform.METADATA_KEY)
        ? new ModelFile.Model(given, saved).transform(savedFile) // the weights expect what they were trained on
        : Transform.fit(scale != null ? scale : loaded.test() != null || initial != null ? Transform.Kind.NONE
            : Transform.Kind.STANDARDIZE, train);
    train = transform.apply(train);
    val = val == null ? null : transform.apply(val);
    Network net = given != null ? given : network(train, loaded.schema());
    if (net.inputs() != train.features() || net.outputs() != train.outputs()) {
      throw new BadFileException(Path.of(data), -1, "the data has " + train.features() + " features and "
          + train.outputs() + (regression ? " targets" : " classes") + "; the model takes " + net.inputs()
          + " inputs and has " + net.outputs() + " outputs");
    }
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put(DataSchema.METADATA_KEY, (known != null ? known : loaded.schema()).toMetadata());
    meta.put(Transform.METADATA_KEY, transform.toMetadata());
    meta.put(VALIDATION_KEY, Double.toString(held));

    Path dir = out != null ? out : resumeFile != null && resumeFile.getParent() != null
        && resumeFile.getParent().getFileName().toString().equals("checkpoints") && resumeFile.getParent().getParent() != null
        ? resumeFile.getParent().getParent() : Path.of("runs", LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    if (ckpt == null && Files.exists(dir.resolve("metrics.csv"))) { // never train over an earlier run's files
      throw new ParameterException(spec.commandLine(), dir + " already holds a run (metrics.csv): give another --out, or"
          + " --resume " + dir + " to continue it");
    }
    Files.createDirectories(dir.resolve("checkpoints"));
    Trainer.Builder builder = ckpt != null ? ckpt.trainer() : trainerFor(net);
    if (epochs != null) {
      builder.epochs(epochs);
    } else if (ckpt == null) {
      builder.epochs(10);
    }
    int workers = threads != null ? threads : Runtime.getRuntime().availableProcessors();
    builder.threads(workers);
    return run(stdout, builder, workers, net, train, val, dir, meta, ckpt == null ? 0 : ckpt.step());
  }

  private int run(PrintWriter stdout, Trainer.Builder builder, int workers, Network net, Dataset train, Dataset val,
                  Path dir, Map<String, String> meta, long firstStep) throws Exception {
    Run run = new Run(dir, net, val != null, meta, train.rows());
    CountDownLatch saved = new CountDownLatch(1);
    Thread hook = new Thread(() -> { // Ctrl-C or SIGTERM: stop at the next step, wait for the checkpoint
      run.stop = true;
      try {
        saved.await(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "lanes-interrupt");
    Runtime.getRuntime().addShutdownHook(hook);
    try (Trainer trainer = builder.listener(run).build()) {
      run.trainer = trainer;
      int batchSize = trainer.batchSize();
      long perEpoch = (train.rows() + batchSize - 1) / batchSize;
      run.perEpoch = perEpoch;
      run.metrics.resume((int) (firstStep / perEpoch) + 1);
      int totalEpochs = trainer.epochs();
      Progress progress = new Progress(stdout, Progress.isTerminal(), train.rows(), batchSize, totalEpochs);
      run.progress = progress;
      stdout.printf(Locale.ROOT, "%s%n%d training rows%s, %s, batch %d, %d epochs, %d threads; writing to %s%n", net,
          train.rows(), val == null ? "" : ", " + val.rows() + " validation rows", trainer.optimizer(),
          batchSize, totalEpochs, workers, dir);
      if (firstStep > 0) {
        stdout.printf(Locale.ROOT, "resuming at step %d (epoch %d)%n", firstStep, firstStep / perEpoch + 1);
      }
      stdout.flush();
      long started = System.nanoTime();
      try {
        trainer.fit(train, val);
      } catch (UncheckedIOException e) {
        throw e.getCause();
      } catch (TrainingException e) {
        progress.closeBar();
        if (run.lastCheckpoint != null) {
          spec.commandLine().getErr().println("the last checkpoint is " + run.lastCheckpoint);
        }
        throw e;
      }
      progress.closeBar();
      if (run.stop) {
        Path ckpt = dir.resolve("checkpoints").resolve("interrupted.safetensors");
        Checkpoint.save(trainer, ckpt, meta);
        stdout.printf("%ninterrupted at step %d: saved %s%nresume with: lanes train --data %s --resume %s%n",
            trainer.steps(), ckpt, data, dir);
        stdout.flush();
        return 130;
      }
      ModelFile.save(net, dir.resolve("model.safetensors"), meta);
      run.summary(stdout, (System.nanoTime() - started) / 1e9);
      return 0;
    } finally {
      saved.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running: it returns now that the latch is open
      }
    }
  }

  /** The per-epoch files of a run: metrics, chart, checkpoint, best model; and the stop flag. */
  private static final class Run implements TrainingListener {
    final Path dir;
    final Network net;
    final boolean validated;
    final Map<String, String> meta;
    final Metrics metrics;
    final int rows;
    long perEpoch;
    Trainer trainer;
    Progress progress;
    Path lastCheckpoint;
    volatile boolean stop;

    Run(Path dir, Network net, boolean validated, Map<String, String> meta, int rows) {
      this.rows = rows;
      this.dir = dir;
      this.net = net;
      this.validated = validated;
      this.meta = meta;
      this.metrics = new Metrics(dir);
    }

    @Override
    public boolean onStep(int epoch, long step, float loss) {
      progress.onStep(epoch, step, loss);
      return !stop;
    }

    @Override
    public boolean onEpoch(EpochResult r) {
      if (r.steps() != (r.epoch() + 1) * perEpoch) {
        return false; // a partial epoch, cut short by an interrupt: not recorded
      }
      progress.onEpoch(r);
      try {
        boolean best = isBest(r);
        metrics.add(r, r.seconds() > 0 ? rows / r.seconds() : Double.NaN);
        Chart.write(dir.resolve("chart.png"), metrics.rows, net.toString().replaceAll(" \\|.*", ""));
        lastCheckpoint = dir.resolve("checkpoints").resolve(String.format(Locale.ROOT, "epoch-%03d.safetensors", r.epoch() + 1));
        Checkpoint.save(trainer, lastCheckpoint, meta);
        if (best) {
          ModelFile.save(net, dir.resolve("best.safetensors"), meta);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return !stop; // an interrupt during the epoch's last step or its validation: this epoch counts
    }

    /** Better than every earlier epoch: validation accuracy, else validation loss, else training loss. */
    private boolean isBest(EpochResult r) {
      for (Metrics.Row m : metrics.rows) {
        if (score(m.valAccuracy(), m.valLoss(), m.trainLoss()) >= score(r.validationAccuracy(), r.validationLoss(), r.trainLoss())) {
          return false;
        }
      }
      return true;
    }

    private double score(double accuracy, double valLoss, double trainLoss) {
      return validated ? (Double.isNaN(accuracy) ? -valLoss : accuracy) : -trainLoss;
    }

    void summary(PrintWriter out, double seconds) {
      Metrics.Row best = null;
      for (Metrics.Row m : metrics.rows) {
        if (best == null || score(m.valAccuracy(), m.valLoss(), m.trainLoss())
            > score(best.valAccuracy(), best.valLoss(), best.trainLoss())) {
          best = m;
        }
      }
      out.printf(Locale.ROOT, "%ndone in %.1f s.", seconds);
      if (best != null) {
        out.printf(Locale.ROOT, " Best epoch %d: %s%n", best.epoch(), Double.isFinite(best.valAccuracy())
            ? String.format(Locale.ROOT, "validation accuracy %.2f%%, loss %.4f", 100 * best.valAccuracy(), best.valLoss())
            : validated ? String.format(Locale.ROOT, "validation loss %.4f", best.valLoss())
            : String.format(Locale.ROOT, "training loss %.4f", best.trainLoss()));
      } else {
        out.println();
      }
      out.printf("%s: model.safetensors (last), best.safetensors, metrics.jsonl, metrics.csv, chart.png, checkpoints/%n", dir);
      out.flush();
    }
  }

  private void checkOptions() {
    if (resume != null) {
      for (String o : FIXED_BY_CHECKPOINT) {
        if (spec.commandLine().getParseResult().hasMatchedOption(o)) {
          throw new ParameterException(spec.commandLine(), o + " cannot change a resumed run: the checkpoint fixes the model,"
              + " the optimizer, the batch size, the seed and the data split");
        }
      }
    }
    if (init != null && spec.commandLine().getParseResult().hasMatchedOption("--scale")) {
      throw new ParameterException(spec.commandLine(), "--init keeps the input scaling its weights were trained with;"
          + " leave out --scale");
    }
    if (init != null && spec.commandLine().getParseResult().hasMatchedOption("--layers")) {
      throw new ParameterException(spec.commandLine(), "--init takes the architecture from its file; leave out --layers");
    }
    if (validation != null && !(validation >= 0 && validation < 1)) {
      throw new ParameterException(spec.commandLine(), "--validation must be in [0, 1), got " + validation);
    }
    if (threads != null && threads < 1 || epochs != null && epochs < 0 || batch < 1) {
      throw new ParameterException(spec.commandLine(), "--threads and --batch must be >= 1, --epochs >= 0");
    }
  }

  private Network network(Dataset train, DataSchema schema) {
    Activation act;
    try {
      act = Activation.parse(activation);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--activation: " + e.getMessage());
    }
    Network.Builder b = Network.builder(train.features());
    for (int width : layers) {
      b.dense(width, act);
      if (dropout > 0) {
        b.dropout(dropout);
      }
    }
    boolean regression = task == Task.regression;
    return b.dense(regression ? 1 : schema.classes().size())
        .loss(regression ? Loss.MEAN_SQUARED_ERROR : Loss.SOFTMAX_CROSS_ENTROPY).build(seed);
  }

  private Trainer.Builder trainerFor(Network net) {
    Optimizer opt = switch (optimizer) {
      case sgd -> Optimizer.sgd(lr);
      case momentum -> Optimizer.momentum(lr, momentum, false);
      case nesterov -> Optimizer.momentum(lr, momentum, true);
      case adam -> Optimizer.adam(lr);
      case adamw -> Optimizer.adamW(lr);
    };
    if (weightDecay != null) {
      opt = opt.withWeightDecay(weightDecay);
    }
    Schedule s;
    try {
      s = Schedule.parse(schedule);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--schedule: " + e.getMessage());
    }
    return Trainer.builder(net).optimizer(opt).batchSize(batch).seed(seed).schedule(s).clipNorm(clipNorm);
  }

  /** A checkpoint file, or a run folder's checkpoint of the highest step (the interrupted one on a tie). */
  private static Path checkpointIn(Path resume) throws IOException {
    if (!Files.isDirectory(resume)) {
      return resume;
    }
    Path dir = Files.isDirectory(resume.resolve("checkpoints")) ? resume.resolve("checkpoints") : resume;
    Path best = null;
    long bestStep = -1;
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : files.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted().toList()) {
        long step = Checkpoint.stepOf(p); // names sort epoch-NNN before interrupted
        if (step >= bestStep) {
          best = p;
          bestStep = step;
        }
      }
    }
    if (best == null) {
      throw new BadFileException(dir, -1, "no checkpoint (*.safetensors) to resume from");
    }
    return best;
  }

  private static double parseFraction(Path file, String text) throws BadFileException {
    try {
      double v = Double.parseDouble(text);
      if (v >= 0 && v < 1) {
        return v;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new BadFileException(file, -1, "__metadata__ " + VALIDATION_KEY + " is '" + text
        + "', not a fraction in [0, 1)");
  }
}
