package dev.lanes.cli;

import dev.lanes.nn.BadFileException;
import dev.lanes.nn.Csv;
import dev.lanes.nn.DataSchema;
import dev.lanes.nn.Dataset;
import dev.lanes.nn.Idx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * Where a command's data comes from: a CSV file, a folder of IDX files (MNIST layout), or the word
 * {@code fashion-mnist} for Debian's dataset-fashion-mnist (or $LANES_FASHION_MNIST).
 */
final class DataSource {
  private DataSource() {}

  static final List<String> FASHION_CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
      "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

  /** A training set, its held-out test set when the source has one (IDX), and its schema. */
  record Loaded(Dataset train, Dataset test, DataSchema schema) {}

  /**
   * Loads {@code data}; {@code label} picks a CSV's label column, {@code regression} its task, and
   * {@code known} (a model's schema, or null) fixes the class order.
   */
  static Loaded load(String data, String label, boolean regression, DataSchema known) throws IOException {
    Path dir = data.equals("fashion-mnist") ? fashionMnist() : Path.of(data);
    if (Files.isDirectory(dir)) {
      Dataset train = Idx.load(idx(dir, "train-images-idx3-ubyte"), idx(dir, "train-labels-idx1-ubyte"), 10);
      Dataset test = Idx.load(idx(dir, "t10k-images-idx3-ubyte"), idx(dir, "t10k-labels-idx1-ubyte"), 10);
      DataSchema numbered = DataSchema.numbered(train.features(), 10);
      List<String> classes = data.equals("fashion-mnist") ? FASHION_CLASSES : numbered.classes();
      return new Loaded(train, test, new DataSchema(numbered.features(), classes, "label"));
    }
    if (!Files.exists(dir)) {
      throw new NoSuchFileException(dir.toString());
    }
    Csv.Table t = regression ? Csv.regression(dir, label)
        : known != null && !known.classes().isEmpty() ? Csv.classification(dir, label, known.classes())
        : Csv.classification(dir, label);
    if (known != null) {
      t = Csv.inOrder(dir, t, known.features());
    }
    return new Loaded(t.data(), null, new DataSchema(t.featureNames(), t.classNames(), t.labelName()));
  }

  private static Path fashionMnist() throws IOException {
    String env = System.getenv("LANES_FASHION_MNIST");
    Path dir = Path.of(env != null && !env.isEmpty() ? env : "/usr/share/datasets/fashion-mnist");
    if (!Files.isDirectory(dir)) {
      throw new BadFileException(dir, -1, "Fashion-MNIST is not installed here: install it with"
          + " 'sudo apt-get install dataset-fashion-mnist' (scripts/train does), or set LANES_FASHION_MNIST");
    }
    return dir;
  }

  /** name or name.gz in dir. */
  private static Path idx(Path dir, String name) throws IOException {
    for (Path p : List.of(dir.resolve(name + ".gz"), dir.resolve(name))) {
      if (Files.exists(p)) {
        return p;
      }
    }
    throw new NoSuchFileException(dir.resolve(name + ".gz").toString());
  }
}
