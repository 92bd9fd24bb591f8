package dev.lanes.nn;

import dev.lanes.kernel.Activation;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A network in a safetensors file: dense layer l's weights as {@code layers.l.weight} [out, in]
 * and {@code layers.l.bias} [out] (l counts every layer, dropout included, as the indices of a
 * PyTorch {@code nn.ModuleList} of {@code nn.Linear} and {@code nn.Dropout} modules would), and in
 * {@code __metadata__} the format version and the architecture as JSON, so the file alone rebuilds
 * the network:
 *
 * <pre>{@code
 * {"inputs":784,"layers":[{"type":"dense","units":256,"activation":"relu","init":"he_uniform"},
 *   {"type":"dropout","rate":0.1}, ...],"loss":"softmax_cross_entropy"}
 * }</pre>
 *
 * Loading checks the architecture, each tensor's shape against it, and every weight for NaN and
 * Inf; other tensors (a checkpoint's optimizer state) are left to their readers.
 */
public final class ModelFile {
  private ModelFile() {}

  /** The version of the layout above; files of a later version are refused. */
  public static final int FORMAT_VERSION = 1;
  static final String VERSION_KEY = "lanes.format_version", ARCHITECTURE_KEY = "lanes.architecture";

  /** A network read from a file, and the file's metadata (the caller's keys included). */
  public record Model(Network network, Map<String, String> metadata) {
    /** The data schema saved under {@link DataSchema#METADATA_KEY}, or null. */
    public DataSchema schema(Path file) throws IOException {
      try {
        return DataSchema.of(metadata);
      } catch (IOException e) {
        throw new BadFileException(file, -1, "__metadata__ " + DataSchema.METADATA_KEY + ": " + e.getMessage());
      }
    }

    /** The input transform saved under {@link Transform#METADATA_KEY}, or none. */
    public Transform transform(Path file) throws IOException {
      String text = metadata.get(Transform.METADATA_KEY);
      if (text == null) {
        return Transform.none();
      }
      try {
        return Transform.parse(text, network.inputs());
      } catch (IOException e) {
        throw new BadFileException(file, -1, "__metadata__ " + Transform.METADATA_KEY + ": " + e.getMessage());
      }
    }
  }

  /** Saves the network's architecture and weights to {@code file}, atomically. */
  public static void save(Network net, Path file) throws IOException {
    save(net, file, Map.of());
  }

  /**
   * Saves the network with extra string metadata (e.g. a data transform), atomically. Keys starting
   * with "lanes." are reserved.
   */
  public static void save(Network net, Path file, Map<String, String> metadata) throws IOException {
    Safetensors.write(file, metadata(net, metadata), tensors(net));
  }

  static Map<String, String> metadata(Network net, Map<String, String> extra) {
    Map<String, String> all = new LinkedHashMap<>();
    all.put("format", "pt"); // tells Hugging Face tools the tensors follow PyTorch's conventions
    all.put(VERSION_KEY, Integer.toString(FORMAT_VERSION));
    all.put(ARCHITECTURE_KEY, architecture(net));
    for (Map.Entry<String, String> e : extra.entrySet()) {
      if (e.getKey().startsWith("lanes.") && !all.containsKey(e.getKey())) {
        all.put(e.getKey(), e.getValue()); // the trainer's own keys (checkpoints)
      } else if (all.putIfAbsent(e.getKey(), e.getValue()) != null) {
        throw new IllegalArgumentException("ModelFile: metadata key '" + e.getKey() + "' is reserved");
      }
    }
    return all;
  }

  static List<Safetensors.Tensor> tensors(Network net) {
    List<Safetensors.Tensor> tensors = new ArrayList<>();
    for (int l = 0; l < net.layers.size(); l++) {
      if (net.layers.get(l) instanceof DenseLayer d) {
        tensors.add(new Safetensors.Tensor("layers." + l + ".weight", new int[] {d.out, d.in}, net.params, d.weights));
        tensors.add(new Safetensors.Tensor("layers." + l + ".bias", new int[] {d.out}, net.params, d.bias));
      }
    }
    return tensors;
  }

  /** Loads a network saved by {@link #save}. */
  public static Network load(Path file) throws IOException {
    return read(file).network();
  }

  /** Loads a network and the file's metadata. */
  public static Model read(Path file) throws IOException {
    Safetensors.Contents c = Safetensors.read(file);
    return new Model(network(file, c), c.metadata());
  }

  /** The network the contents describe, its weights copied out of the tensors and checked. */
  static Network network(Path file, Safetensors.Contents c) throws IOException {
    String version = c.metadata().get(VERSION_KEY);
    if (version == null) {
      throw new BadFileException(file, -1, "not a Lanes model: __metadata__ has no " + VERSION_KEY
          + " (tensors: " + abbreviate(c.tensors().keySet().toString()) + ")");
    }
    if (!version.equals(Integer.toString(FORMAT_VERSION))) {
      throw new BadFileException(file, -1, "format version " + abbreviate(version) + "; this Lanes reads version "
          + FORMAT_VERSION);
    }
    Network.Builder b;
    List<Layer> layers;
    try {
      b = parseArchitecture(c.metadata().get(ARCHITECTURE_KEY));
      layers = b.checkedLayers();
    } catch (IOException | IllegalArgumentException e) {
      throw new BadFileException(file, -1, "__metadata__ " + ARCHITECTURE_KEY + ": " + e.getMessage());
    }
    // every tensor is checked before the parameters are allocated: they cannot outgrow the file
    Set<String> expected = new HashSet<>();
    for (int l = 0; l < layers.size(); l++) {
      if (layers.get(l) instanceof DenseLayer d) {
        check(file, c, "layers." + l + ".weight", new int[] {d.out, d.in}, d.describe());
        check(file, c, "layers." + l + ".bias", new int[] {d.out}, d.describe());
        expected.add("layers." + l + ".weight");
        expected.add("layers." + l + ".bias");
      }
    }
    Network net = b.build(new float[(int) b.countParameters()]);
    for (int l = 0; l < layers.size(); l++) {
      if (layers.get(l) instanceof DenseLayer d) {
        System.arraycopy(c.tensors().get("layers." + l + ".weight").data(), 0, net.params, d.weights, d.out * d.in);
        System.arraycopy(c.tensors().get("layers." + l + ".bias").data(), 0, net.params, d.bias, d.out);
      }
    }
    for (String name : c.tensors().keySet()) {
      if (name.startsWith("layers.") && !expected.contains(name)) {
        throw new BadFileException(file, -1, "tensor " + name + " belongs to no dense layer of the architecture "
            + net);
      }
    }
    return net;
  }

  private static void check(Path file, Safetensors.Contents c, String name, int[] shape, String layer)
      throws IOException {
    Safetensors.Tensor t = c.tensors().get(name);
    if (t == null) {
      throw new BadFileException(file, -1, "tensor " + name + " is missing; the architecture's " + layer + " needs it");
    }
    if (!Arrays.equals(t.shape(), shape)) {
      throw new BadFileException(file, -1, "tensor " + name + " has shape " + Arrays.toString(t.shape())
          + " but the architecture's " + layer + " needs " + Arrays.toString(shape));
    }
    float[] data = t.data();
    for (int i = 0; i < data.length; i++) {
      if (!Float.isFinite(data[i])) {
        String where = shape.length == 2 ? "[" + i / shape[1] + ", " + i % shape[1] + "]" : "[" + i + "]";
        throw new BadFileException(file, -1, "tensor " + name + " holds " + data[i] + " at " + where);
      }
    }
  }

  /** The architecture as the JSON of the metadata. */
  static String architecture(Network net) {
    List<Map<String, Object>> layers = new ArrayList<>();
    for (Layer l : net.layers) {
      Map<String, Object> m = new LinkedHashMap<>();
      if (l instanceof DenseLayer d) {
        m.put("type", "dense");
        m.put("units", d.out);
        m.put("activation", d.act.toString());
        m.put("init", d.init.name().toLowerCase(Locale.ROOT));
      } else {
        m.put("type", "dropout");
        m.put("rate", ((DropoutLayer) l).rate);
      }
      layers.add(m);
    }
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("inputs", net.inputs);
    doc.put("layers", layers);
    doc.put("loss", net.loss.name().toLowerCase(Locale.ROOT));
    return Json.write(doc);
  }

  /** A builder for the architecture's JSON (its checks run when it is built). */
  static Network.Builder parseArchitecture(String json) throws IOException {
    if (json == null) {
      throw new IOException("missing");
    }
    Json.Obj doc = new Json.Obj("architecture", Json.parse(json));
    Network.Builder b = Network.builder(doc.intValue("inputs"));
    for (Json.Obj layer : doc.objects("layers")) {
      switch (layer.string("type")) {
        case "dense" -> b.dense(layer.intValue("units"), Activation.parse(layer.string("activation")),
            layer.has("init") ? enumValue(Init.class, layer.string("init")) : Init.GLOROT_UNIFORM);
        case "dropout" -> b.dropout(layer.floatValue("rate"));
        default -> throw new IOException("unknown layer type '" + abbreviate(layer.string("type")) + "'");
      }
    }
    return b.loss(enumValue(Loss.class, doc.string("loss")));
  }

  private static <E extends Enum<E>> E enumValue(Class<E> type, String name) throws IOException {
    try {
      return Enum.valueOf(type, name.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IOException("unknown " + type.getSimpleName() + " '" + abbreviate(name) + "'; known: "
          + Arrays.toString(type.getEnumConstants()).toLowerCase(Locale.ROOT));
    }
  }

  /** A string from a file, cut short for a message. */
  static String abbreviate(String s) {
    return s.length() <= 80 ? s : s.substring(0, 77) + "...";
  }
}
