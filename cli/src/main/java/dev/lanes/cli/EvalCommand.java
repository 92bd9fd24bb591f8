package dev.lanes.cli;

import dev.lanes.nn.BadFileException;
import dev.lanes.nn.DataSchema;
import dev.lanes.nn.Dataset;
import dev.lanes.nn.Loss;
import dev.lanes.nn.ModelFile;
import dev.lanes.nn.Network;
import dev.lanes.nn.Predictor;
import dev.lanes.nn.Trainer;
import dev.lanes.nn.Transform;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code lanes eval}: a model's loss and accuracy on a data set, and its confusion matrix. */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Evaluates a model (or checkpoint) on a data set: loss, accuracy, confusion matrix.")
final class EvalCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--model", required = true, paramLabel = "FILE", description = "A model file or checkpoint.")
  Path model;

  @Option(names = "--data", required = true, paramLabel = "PATH|fashion-mnist",
      description = "A CSV file with a header row, a folder of IDX files (its test set), or fashion-mnist.")
  String data;

  @Option(names = "--label", paramLabel = "COLUMN", description = "The CSV's label column (default: the model's, else the last).")
  String label;

  @Option(names = "--batch", defaultValue = "256", description = "Rows per forward pass (default: ${DEFAULT-VALUE}).")
  int batch;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    ModelFile.Model m = ModelFile.read(model);
    Network net = m.network();
    DataSchema schema = m.schema(model);
    boolean regression = net.loss() == Loss.MEAN_SQUARED_ERROR;
    String column = label != null ? label : schema != null && !schema.label().isEmpty() ? schema.label() : null;
    DataSource.Loaded loaded = DataSource.load(data, column, regression, schema);
    Dataset set = loaded.test() != null ? loaded.test() : loaded.train();
    if (set.features() != net.inputs()) {
      throw new BadFileException(Path.of(data), -1, "the data has " + set.features() + " features; the model takes "
          + net.inputs());
    }
    Transform transform = m.transform(model);
    Dataset x = transform.apply(set);
    float[] result;
    try (Trainer t = Trainer.builder(net).batchSize(Math.max(1, batch)).build()) {
      result = t.evaluate(x);
    }
    out.printf(Locale.ROOT, "%s%n%s: %d rows%n", net, data, set.rows());
    out.printf(Locale.ROOT, "loss %.4f%n", result[0]);
    if (!regression) {
      out.printf(Locale.ROOT, "accuracy %.2f%%%n", 100 * result[1]);
      List<String> names = schema != null && schema.classes().size() == net.outputs() ? schema.classes()
          : DataSchema.numbered(0, net.outputs()).classes();
      confusion(out, Predictor.of(net), x, names);
    }
    out.flush();
    return 0;
  }

  /** Rows: the true class; columns: the predicted one. */
  private static void confusion(PrintWriter out, Predictor p, Dataset x, List<String> names) {
    int k = names.size();
    int[] predicted = new int[x.rows()];
    p.classifyBatch(x.x(), 0, x.rows(), predicted, 0);
    long[][] counts = new long[k][k];
    for (int i = 0; i < x.rows(); i++) {
      counts[x.labels()[i]][predicted[i]]++;
    }
    int width = 7;
    for (String n : names) {
      width = Math.max(width, Math.min(12, n.length()) + 1);
    }
    out.printf("%nconfusion matrix (rows: true class, columns: predicted)%n%" + width + "s", "");
    for (String n : names) {
      out.printf("%" + width + "s", cut(n));
    }
    out.println();
    for (int a = 0; a < k; a++) {
      out.printf("%" + width + "s", cut(names.get(a)));
      for (int b = 0; b < k; b++) {
        out.printf("%" + width + "d", counts[a][b]);
      }
      out.println();
    }
  }

  private static String cut(String s) {
    return s.length() <= 12 ? s : s.substring(0, 11) + "…";
  }
}
