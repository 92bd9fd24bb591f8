package dev.lanes.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.lanes.nn.AtomicFile;
import dev.lanes.nn.EpochResult;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.apache.commons.csv.CSVRecord;

/**
 * A run's per-epoch metrics, kept whole and rewritten (atomically) after each epoch as
 * {@code metrics.jsonl} and {@code metrics.csv}; a resumed run reads back the epochs before it.
 */
final class Metrics {
  /** One epoch as the files hold it (epochs counted from 1). */
  record Row(int epoch, long steps, double trainLoss, double valLoss, double valAccuracy, double seconds,
             double samplesPerSecond) {}

  private static final String[] HEADER = {"epoch", "steps", "train_loss", "val_loss", "val_accuracy", "seconds",
      "samples_per_second"};
  private final Path dir;
  final List<Row> rows = new ArrayList<>();

  Metrics(Path dir) {
    this.dir = dir;
  }

  /** Keeps the epochs before {@code firstEpoch} (from 1) of an earlier run's metrics.csv in dir. */
  void resume(int firstEpoch) throws IOException {
    Path csv = dir.resolve("metrics.csv");
    if (!Files.exists(csv)) {
      return;
    }
    try (Reader in = Files.newBufferedReader(csv, StandardCharsets.UTF_8)) {
      for (CSVRecord r : CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get().parse(in)) {
        Row row = new Row(Integer.parseInt(r.get("epoch")), Long.parseLong(r.get("steps")), f(r.get("train_loss")),
            f(r.get("val_loss")), f(r.get("val_accuracy")), d(r.get("seconds")), d(r.get("samples_per_second")));
        if (row.epoch() < firstEpoch) {
          rows.add(row);
        }
      }
    } catch (RuntimeException e) { // a hand-edited or torn file: start the table afresh, say why
      throw new IOException(csv + ": cannot read the earlier run's metrics (" + e.getMessage()
          + "); move it away to start a new table");
    }
  }

  /** A metric as written: floats as the floats they were, so a resumed run compares them as a run never stopped. */
  private static double f(String s) {
    return s.isEmpty() ? Double.NaN : Float.parseFloat(s);
  }

  private static double d(String s) {
    return s.isEmpty() ? Double.NaN : Double.parseDouble(s);
  }

  void add(EpochResult r, double samplesPerSecond) throws IOException {
    rows.add(new Row(r.epoch() + 1, r.steps(), r.trainLoss(), r.validationLoss(), r.validationAccuracy(),
        r.seconds(), samplesPerSecond));
    write();
  }

  private void write() throws IOException {
    JsonFactory json = new JsonFactory();
    ByteArrayOutputStream lines = new ByteArrayOutputStream();
    for (Row r : rows) {
      try (JsonGenerator g = json.createGenerator(lines)) {
        g.writeStartObject();
        g.writeNumberField("epoch", r.epoch());
        g.writeNumberField("steps", r.steps());
        number(g, "train_loss", (float) r.trainLoss());
        number(g, "val_loss", (float) r.valLoss());
        number(g, "val_accuracy", (float) r.valAccuracy());
        number(g, "seconds", r.seconds());
        number(g, "samples_per_second", r.samplesPerSecond());
        g.writeEndObject();
      }
      lines.write('\n');
    }
    AtomicFile.write(dir.resolve("metrics.jsonl"), lines.toByteArray());
    ByteArrayOutputStream csv = new ByteArrayOutputStream();
    try (CSVPrinter p = new CSVPrinter(new OutputStreamWriter(csv, StandardCharsets.UTF_8),
        CSVFormat.DEFAULT.builder().setHeader(HEADER).setRecordSeparator('\n').get())) {
      for (Row r : rows) {
        p.printRecord(r.epoch(), r.steps(), text((float) r.trainLoss()), text((float) r.valLoss()),
            text((float) r.valAccuracy()), text(r.seconds()), text(r.samplesPerSecond()));
      }
    }
    AtomicFile.write(dir.resolve("metrics.csv"), csv.toByteArray());
  }

  private static void number(JsonGenerator g, String name, float v) throws IOException {
    if (Float.isFinite(v)) {
      g.writeNumberField(name, v);
    } else {
      g.writeNullField(name);
    }
  }

  /** JSON has no NaN: a metric that was not measured is null. */
  private static void number(JsonGenerator g, String name, double v) throws IOException {
    if (Double.isFinite(v)) {
      g.writeNumberField(name, v);
    } else {
      g.writeNullField(name);
    }
  }

  private static String text(double v) {
    return Double.isFinite(v) ? Double.toString(v) : "";
  }

  /** A float metric as the float it is (1.7124799, not 1.7124799489974976). */
  private static String text(float v) {
    return Float.isFinite(v) ? Float.toString(v) : "";
  }
}
