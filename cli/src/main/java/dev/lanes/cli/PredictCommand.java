package dev.lanes.cli;

import dev.lanes.nn.AtomicFile;
import dev.lanes.nn.Csv;
import dev.lanes.nn.DataSchema;
import dev.lanes.nn.Loss;
import dev.lanes.nn.ModelFile;
import dev.lanes.nn.Network;
import dev.lanes.nn.Predictor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code lanes predict}: a model's predictions for the rows of a CSV file, as CSV: the class and
 * each class's probability, or the predicted values.
 */
@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Predicts the rows of a CSV file (features by the model's column names, else in order).")
final class PredictCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--model", required = true, paramLabel = "FILE", description = "A model file or checkpoint.")
  Path model;

  @Option(names = "--input", required = true, paramLabel = "CSV", description = "Rows to predict, with a header row.")
  Path input;

  @Option(names = "--output", paramLabel = "CSV", description = "Where to write the predictions (default: standard output).")
  Path output;

  @Override
  public Integer call() throws IOException {
    ModelFile.Model m = ModelFile.read(model);
    Network net = m.network();
    DataSchema schema = m.schema(model);
    if (schema == null || schema.features().size() != net.inputs()) {
      schema = DataSchema.numbered(net.inputs(), net.outputs());
    }
    Csv.Table rows = Csv.features(input, schema.features());
    int n = rows.data().rows();
    Predictor p = Predictor.of(net, m.transform(model));
    List<String> header = new ArrayList<>();
    boolean classes = net.loss() == Loss.SOFTMAX_CROSS_ENTROPY;
    List<String> names = schema.classes().size() == net.outputs() ? schema.classes()
        : DataSchema.numbered(0, net.outputs()).classes();
    if (classes) {
      header.add("class");
      for (String c : names) {
        header.add("p_" + c);
      }
    } else {
      for (int j = 0; j < net.outputs(); j++) {
        header.add(net.outputs() == 1 ? "prediction" : "prediction_" + j);
      }
    }
    float[] y = new float[n * net.outputs()];
    int[] best = new int[n];
    if (classes) {
      p.probabilitiesBatch(rows.data().x(), 0, n, y, 0);
      p.classifyBatch(rows.data().x(), 0, n, best, 0);
    } else {
      p.predictBatch(rows.data().x(), 0, n, y, 0);
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (CSVPrinter csv = new CSVPrinter(new OutputStreamWriter(bytes, StandardCharsets.UTF_8),
        CSVFormat.DEFAULT.builder().setHeader(header.toArray(new String[0])).setRecordSeparator('\n').get())) {
      List<Object> record = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        record.clear();
        if (classes) {
          record.add(names.get(best[i]));
        }
        for (int j = 0; j < net.outputs(); j++) {
          record.add(y[i * net.outputs() + j]);
        }
        csv.printRecord(record);
      }
    }
    if (output == null) {
      PrintWriter out = spec.commandLine().getOut();
      out.print(bytes.toString(StandardCharsets.UTF_8));
      out.flush();
    } else {
      AtomicFile.write(output, bytes.toByteArray());
    }
    return 0;
  }
}
