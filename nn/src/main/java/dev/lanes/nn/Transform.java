package dev.lanes.nn;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A per-feature affine transform of input rows, {@code x' = (x − shift) · scale}, fitted on the
 * training split and saved with the model (metadata key {@value #METADATA_KEY}) so that
 * predictions see what training saw. Min-max scaling maps each feature's training range to [0, 1];
 * standardising gives it mean 0 and standard deviation 1. A constant feature is only shifted.
 */
public final class Transform {
  public static final String METADATA_KEY = "lanes.transform";

  /** How the transform is fitted. */
  public enum Kind { NONE, MINMAX, STANDARDIZE }

  private final Kind kind;
  private final float[] shift, scale;

  private Transform(Kind kind, float[] shift, float[] scale) {
    this.kind = kind;
    this.shift = shift;
    this.scale = scale;
  }

  /** The identity. */
  public static Transform none() {
    return new Transform(Kind.NONE, null, null);
  }

  /** The transform of this kind fitted on the training set's features (in double). */
  public static Transform fit(Kind kind, Dataset train) {
    if (kind == Kind.NONE) {
      return none();
    }
    int f = train.features, n = train.rows;
    float[] shift = new float[f], scale = new float[f];
    for (int j = 0; j < f; j++) {
      double a = 0, b = 0; // min and max, or sum and sum of squares
      if (kind == Kind.MINMAX) {
        a = Double.POSITIVE_INFINITY;
        b = Double.NEGATIVE_INFINITY;
      }
      for (int i = 0; i < n; i++) {
        double v = train.x[i * f + j];
        if (kind == Kind.MINMAX) {
          a = Math.min(a, v);
          b = Math.max(b, v);
        } else {
          a += v;
          b += v * v;
        }
      }
      double offset, spread;
      if (kind == Kind.MINMAX) {
        offset = n == 0 ? 0 : a;
        spread = n == 0 ? 0 : b - a;
      } else {
        offset = n == 0 ? 0 : a / n;
        spread = n == 0 ? 0 : Math.sqrt(Math.max(0, b / n - offset * offset));
      }
      shift[j] = (float) offset;
      float inverse = (float) (1 / spread);
      scale[j] = spread > 0 && Float.isFinite(inverse) ? inverse : 1f; // a constant feature is only shifted
    }
    return new Transform(kind, shift, scale);
  }

  public Kind kind() {
    return kind;
  }

  /** The data set with its features transformed (a copy; the labels are shared). */
  public Dataset apply(Dataset data) {
    if (kind == Kind.NONE) {
      return data;
    }
    float[] x = new float[data.rows * data.features];
    apply(data.x, 0, data.rows, data.features, x, 0);
    return data.withFeatures(x);
  }

  /** Transforms {@code rows} rows of {@code features} values at x[off ..] in place. */
  public void apply(float[] x, int off, int rows, int features) {
    apply(x, off, rows, features, x, off);
  }

  /** Writes the transformed rows of {@code src} (rows × features) to {@code dst}; a copy, in one pass. */
  public void apply(float[] src, int srcOff, int rows, int features, float[] dst, int dstOff) {
    if (kind == Kind.NONE) {
      if (src != dst || srcOff != dstOff) {
        System.arraycopy(src, srcOff, dst, dstOff, rows * features);
      }
      return;
    }
    if (features != shift.length) {
      throw new IllegalArgumentException("Transform: fitted on " + shift.length + " features, given rows of " + features);
    }
    for (int i = 0; i < rows; i++) {
      int s = srcOff + i * features, d = dstOff + i * features;
      for (int j = 0; j < features; j++) {
        dst[d + j] = (src[s + j] - shift[j]) * scale[j];
      }
    }
  }

  /** The metadata text {@link #parse} reads back. */
  public String toMetadata() {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("kind", kind.name().toLowerCase(Locale.ROOT));
    if (kind != Kind.NONE) {
      doc.put("shift", floats(shift));
      doc.put("scale", floats(scale));
    }
    return Json.write(doc);
  }

  private static List<Float> floats(float[] a) {
    List<Float> list = new ArrayList<>(a.length);
    for (float v : a) {
      list.add(v);
    }
    return list;
  }

  /** The transform a model file's metadata holds for rows of {@code features} values. */
  public static Transform parse(String text, int features) throws IOException {
    Json.Obj doc = new Json.Obj("transform", Json.parse(text));
    Kind kind;
    try {
      kind = Kind.valueOf(doc.string("kind").toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IOException("transform kind '" + ModelFile.abbreviate(doc.string("kind")) + "' is not none, minmax or standardize");
    }
    if (kind == Kind.NONE) {
      return none();
    }
    float[] shift = doc.floats("shift"), scale = doc.floats("scale");
    if (shift.length != features || scale.length != features) {
      throw new IOException("transform has " + shift.length + " shifts and " + scale.length + " scales for "
          + features + " features");
    }
    for (int j = 0; j < features; j++) {
      if (!Float.isFinite(shift[j]) || !Float.isFinite(scale[j])) {
        throw new IOException("transform of feature " + j + " is not finite");
      }
    }
    return new Transform(kind, shift, scale);
  }

  @Override
  public String toString() {
    return kind.name().toLowerCase(Locale.ROOT);
  }
}
