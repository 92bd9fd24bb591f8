package dev.lanes.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lanes.kernel.Activation;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Model files: save → load gives the same architecture, bits and predictions; bad files are refused by name. */
class ModelFileTest {
  @TempDir
  Path dir;

  /** A trained network of every activation, a dropout layer and the given loss. */
  static Network trained(Loss loss, int outputs) {
    Network net = Network.builder(13)
        .dense(16, Activation.RELU).dense(15, Activation.leakyRelu(0.1f)).dropout(0.2f)
        .dense(14, Activation.SIGMOID).dense(13, Activation.TANH).dense(12, Activation.GELU)
        .dense(11, Activation.SILU).dense(10, Activation.SOFTPLUS, Init.GLOROT_NORMAL).dense(outputs)
        .loss(loss).build(5);
    SplittableRandom r = new SplittableRandom(3);
    int rows = 40;
    float[] x = new float[rows * 13];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) r.nextGaussian();
    }
    Dataset data = loss.usesLabels()
        ? Dataset.classification(x, rows, 13, r.ints(rows, 0, outputs).toArray(), outputs)
        : Dataset.regression(x, rows, 13, randomTargets(r, rows * outputs, loss), outputs);
    try (Trainer t = Trainer.builder(net).batchSize(16).epochs(2).seed(1).build()) {
      t.fit(data, null);
    }
    return net;
  }

  private static float[] randomTargets(SplittableRandom r, int n, Loss loss) {
    float[] t = new float[n];
    for (int i = 0; i < n; i++) {
      t[i] = loss == Loss.BINARY_CROSS_ENTROPY ? r.nextInt(2) : (float) r.nextGaussian();
    }
    return t;
  }

  @Test
  void roundTripGivesTheSameNetworkBitsAndPredictions() throws IOException {
    for (Loss loss : Loss.values()) {
      Network net = trained(loss, loss == Loss.SOFTMAX_CROSS_ENTROPY ? 4 : 3);
      Path f = dir.resolve(loss + ".safetensors");
      ModelFile.save(net, f, Map.of("lanes.cli.scaling", "x/255", "note", "hello"));
      ModelFile.Model m = ModelFile.read(f);
      Network back = m.network();
      assertEquals(net.toString(), back.toString());
      assertArrayEquals(net.parameters(), back.parameters());
      assertEquals("hello", m.metadata().get("note"));
      assertEquals("x/255", m.metadata().get("lanes.cli.scaling"));
      assertEquals("1", m.metadata().get(ModelFile.VERSION_KEY));
      float[] rows = new float[7 * 13];
      new SplittableRandom(9).doubles(rows.length).forEach(new Consumer<>() {
        int i;

        @Override
        public void accept(Object d) {
          rows[i++] = (float) (double) (Double) d;
        }
      }::accept);
      assertArrayEquals(Predictor.of(net).predictBatch(rows, 7), Predictor.of(back).predictBatch(rows, 7));
      // the initialisers survive too: a network rebuilt from the architecture alone matches
      assertEquals(ModelFile.architecture(net), ModelFile.architecture(back));
    }
  }

  @Test
  void tensorsFollowPyTorchNamesAndShapes() throws IOException {
    Network net = trained(Loss.SOFTMAX_CROSS_ENTROPY, 4);
    Path f = dir.resolve("m.safetensors");
    ModelFile.save(net, f);
    Safetensors.Contents c = Safetensors.read(f);
    assertArrayEquals(new int[] {16, 13}, c.tensors().get("layers.0.weight").shape());
    assertArrayEquals(new int[] {16}, c.tensors().get("layers.0.bias").shape());
    assertArrayEquals(new int[] {14, 15}, c.tensors().get("layers.3.weight").shape()); // layer 2 is the dropout
    assertTrue(!c.tensors().containsKey("layers.2.weight"));
    assertEquals("pt", c.metadata().get("format"));
    assertTrue(c.metadata().get(ModelFile.ARCHITECTURE_KEY).contains("{\"type\":\"dropout\",\"rate\":0.2}"));
  }

  @Test
  void reservedMetadataKeysAreRefused() {
    Network net = trained(Loss.MEAN_SQUARED_ERROR, 2);
    assertThrows(IllegalArgumentException.class,
        () -> ModelFile.save(net, dir.resolve("x"), Map.of(ModelFile.VERSION_KEY, "7")));
    assertThrows(IllegalArgumentException.class, () -> ModelFile.save(net, dir.resolve("x"), Map.of("format", "np")));
  }

  // ---- bad files ----------------------------------------------------------------------------

  private final Network net = trained(Loss.SOFTMAX_CROSS_ENTROPY, 4);

  /** A file of the network's tensors and metadata as edited. */
  private Path edited(String name, Consumer<Map<String, String>> meta, Consumer<List<Safetensors.Tensor>> tensors)
      throws IOException {
    Map<String, String> m = new LinkedHashMap<>(ModelFile.metadata(net, Map.of()));
    List<Safetensors.Tensor> t = new ArrayList<>(ModelFile.tensors(net));
    meta.accept(m);
    tensors.accept(t);
    Path f = dir.resolve(name);
    Safetensors.write(f, m, t);
    return f;
  }

  private static void expect(Path f, String... words) {
    BadFileException e = assertThrows(BadFileException.class, () -> ModelFile.load(f));
    assertEquals(f, e.file());
    for (String w : words) {
      assertTrue(e.getMessage().contains(w), "'" + w + "' not in: " + e.getMessage());
    }
  }

  private static Safetensors.Tensor replace(List<Safetensors.Tensor> t, String name, int[] shape, float[] data) {
    for (int i = 0; i < t.size(); i++) {
      if (t.get(i).name().equals(name)) {
        return t.set(i, new Safetensors.Tensor(name, shape, data));
      }
    }
    throw new AssertionError(name);
  }

  @Test
  void filesThatAreNotLanesModels() throws IOException {
    expect(edited("plain", m -> m.clear(), t -> {}), "not a Lanes model", "no lanes.format_version", "layers.0.weight");
    expect(edited("v2", m -> m.put(ModelFile.VERSION_KEY, "2"), t -> {}), "format version 2", "reads version 1");
    expect(edited("noarch", m -> m.remove(ModelFile.ARCHITECTURE_KEY), t -> {}), "lanes.architecture: missing");
    expect(edited("json", m -> m.put(ModelFile.ARCHITECTURE_KEY, "{\"inputs\": 13, "), t -> {}), "lanes.architecture");
    expect(edited("act", m -> m.put(ModelFile.ARCHITECTURE_KEY, m.get(ModelFile.ARCHITECTURE_KEY)
        .replace("\"tanh\"", "\"swish\"")), t -> {}), "unknown 'swish'");
    expect(edited("loss", m -> m.put(ModelFile.ARCHITECTURE_KEY, m.get(ModelFile.ARCHITECTURE_KEY)
        .replace("softmax_cross_entropy", "hinge")), t -> {}), "unknown Loss 'hinge'");
    expect(edited("layer", m -> m.put(ModelFile.ARCHITECTURE_KEY, m.get(ModelFile.ARCHITECTURE_KEY)
        .replace("\"dropout\"", "\"conv\"")), t -> {}), "unknown layer type 'conv'");
    expect(edited("invalid", m -> m.put(ModelFile.ARCHITECTURE_KEY, m.get(ModelFile.ARCHITECTURE_KEY)
        .replace("\"rate\":0.2", "\"rate\":1.5")), t -> {}), "layer 2 (dropout) has rate 1.5");
  }

  @Test
  void shapesThatDisagreeWithTheArchitecture() throws IOException {
    expect(edited("shape", m -> {}, t -> replace(t, "layers.3.weight", new int[] {15, 14}, new float[210])),
        "layers.3.weight has shape [15, 14]", "dense(14, sigmoid) needs [14, 15]");
    expect(edited("missing", m -> {}, t -> t.removeIf(x -> x.name().equals("layers.4.bias"))),
        "layers.4.bias is missing");
    expect(edited("extra", m -> {}, t -> t.add(new Safetensors.Tensor("layers.2.weight", new int[] {1}, new float[1]))),
        "layers.2.weight belongs to no dense layer");
    // the architecture claims far more parameters than the file holds: refused before allocating them
    expect(edited("huge", m -> m.put(ModelFile.ARCHITECTURE_KEY, m.get(ModelFile.ARCHITECTURE_KEY)
        .replace("\"units\":16", "\"units\":20000000")), t -> {}),
        "layers.0.weight has shape [16, 13]", "dense(20000000, relu) needs [20000000, 13]");
  }

  @Test
  void nonFiniteWeightsAreReportedByTensorAndIndex() throws IOException {
    float[] w = new float[14 * 15];
    w[2 * 15 + 7] = Float.NaN;
    expect(edited("nan", m -> {}, t -> replace(t, "layers.3.weight", new int[] {14, 15}, w)),
        "layers.3.weight holds NaN at [2, 7]");
    float[] b = new float[12];
    b[11] = Float.NEGATIVE_INFINITY;
    expect(edited("inf", m -> {}, t -> replace(t, "layers.5.bias", new int[] {12}, b)),
        "layers.5.bias holds -Infinity at [11]");
  }

  @Test
  void otherTensorsAreLeftAlone() throws IOException {
    Path f = edited("extra", m -> {}, t -> t.add(new Safetensors.Tensor("notes.embedding", new int[] {2}, new float[2])));
    assertArrayEquals(net.parameters(), ModelFile.load(f).parameters());
  }
}
