package dev.lanes.nn;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a model's data looked like, saved with it (metadata key {@value #METADATA_KEY}): the
 * feature columns in order, the class names (classification; empty for regression) and the label
 * column, so predictions can pick columns by name and print class names.
 */
public record DataSchema(List<String> features, List<String> classes, String label) {
  public static final String METADATA_KEY = "lanes.data";

  public DataSchema {
    features = List.copyOf(features);
    classes = List.copyOf(classes);
    label = label == null ? "" : label;
  }

  /** The metadata text {@link #parse} reads back. */
  public String toMetadata() {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("label", label);
    doc.put("features", features);
    doc.put("classes", classes);
    return Json.write(doc);
  }

  /** The schema a model file's metadata holds. */
  public static DataSchema parse(String text) throws IOException {
    Json.Obj doc = new Json.Obj("data", Json.parse(text));
    return new DataSchema(doc.strings("features"), doc.strings("classes"), doc.string("label"));
  }

  /** The schema saved in a model's metadata, or null when there is none. */
  public static DataSchema of(Map<String, String> metadata) throws IOException {
    String text = metadata.get(METADATA_KEY);
    return text == null ? null : parse(text);
  }

  /** Names for a data set without a header: x0, x1, … and classes 0, 1, …. */
  public static DataSchema numbered(int features, int classes) {
    List<String> f = new ArrayList<>(), c = new ArrayList<>();
    for (int j = 0; j < features; j++) {
      f.add("x" + j);
    }
    for (int k = 0; k < classes; k++) {
      c.add(Integer.toString(k));
    }
    return new DataSchema(f, c, "label");
  }
}
