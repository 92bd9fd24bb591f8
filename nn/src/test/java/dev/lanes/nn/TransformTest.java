package dev.lanes.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lanes.kernel.Activation;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Input transforms: what they fit, that they fit only the set given, their metadata, and the predictor's use of them. */
class TransformTest {
  @TempDir
  Path dir;

  /** Rows of features with their own offsets and spreads (feature j: offset[j] + spread[j]·N(0, 1)). */
  private static Dataset data(int rows, float[] offset, float[] spread, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    int f = offset.length;
    float[] x = new float[rows * f];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < f; j++) {
        x[i * f + j] = (float) (offset[j] + spread[j] * r.nextGaussian());
      }
    }
    int[] labels = new int[rows];
    for (int i = 0; i < rows; i++) {
      labels[i] = r.nextInt(3);
    }
    return Dataset.classification(x, rows, f, labels, 3);
  }

  private static final float[] OFFSET = {0, 100, -3.5f, 1e-3f, -2e4f};
  private static final float[] SPREAD = {1, 2.5f, 40, 1e-4f, 3e3f};

  private static float[] column(Dataset d, int j) {
    float[] c = new float[d.rows()];
    for (int i = 0; i < c.length; i++) {
      c[i] = d.x()[i * d.features() + j];
    }
    return c;
  }

  @Test
  void minmaxMapsEachFeaturesTrainingRangeToZeroOne() {
    Dataset train = data(500, OFFSET, SPREAD, 1);
    float[] before = train.x().clone();
    Transform t = Transform.fit(Transform.Kind.MINMAX, train);
    assertEquals(Transform.Kind.MINMAX, t.kind());
    Dataset out = t.apply(train);
    assertNotSame(train, out);
    assertArrayEquals(before, train.x(), "the set given is not changed");
    assertSame(train.labels(), out.labels(), "labels are shared");
    for (int j = 0; j < train.features(); j++) {
      float[] c = column(out, j);
      float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
      for (float v : c) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
      assertEquals(0f, min, 0f, "feature " + j + " min"); // the shift is the minimum itself: exact
      assertEquals(1f, max, Math.ulp(1f), "feature " + j + " max");
      for (float v : c) {
        assertTrue(v >= 0 && v <= 1 + Math.ulp(1f), "feature " + j + ": " + v);
      }
    }
  }

  @Test
  void standardizeGivesMeanZeroAndStdOne() {
    Dataset train = data(1000, OFFSET, SPREAD, 2);
    Transform t = Transform.fit(Transform.Kind.STANDARDIZE, train);
    assertEquals(Transform.Kind.STANDARDIZE, t.kind());
    Dataset out = t.apply(train);
    for (int j = 0; j < train.features(); j++) {
      double sum = 0, squares = 0;
      float[] c = column(out, j);
      for (float v : c) {
        sum += v;
      }
      double mean = sum / c.length;
      for (float v : c) {
        squares += (v - mean) * (v - mean);
      }
      double std = Math.sqrt(squares / c.length); // the population deviation, as fitted
      assertEquals(0, mean, 1e-5, "feature " + j + " mean");
      assertEquals(1, std, 1e-5, "feature " + j + " std");
    }
  }

  @Test
  void aConstantFeatureIsOnlyShifted() {
    float[] x = new float[4 * 3];
    for (int i = 0; i < 4; i++) {
      x[i * 3] = i;
      x[i * 3 + 1] = 7.25f; // constant
      x[i * 3 + 2] = -1e30f; // constant and huge
    }
    Dataset train = Dataset.regression(x, 4, 3, new float[4], 1);
    for (Transform.Kind kind : new Transform.Kind[] {Transform.Kind.MINMAX, Transform.Kind.STANDARDIZE}) {
      Transform t = Transform.fit(kind, train);
      Dataset out = t.apply(train);
      for (int i = 0; i < 4; i++) {
        assertEquals(0f, out.x()[i * 3 + 1], 0f, kind + " row " + i);
        assertEquals(0f, out.x()[i * 3 + 2], 0f, kind + " row " + i);
      }
      // scale 1: a later value is its distance from the constant
      float[] later = {0, 9.25f, -1e30f};
      t.apply(later, 0, 1, 3);
      assertEquals(2f, later[1], 0f, kind.toString());
      assertEquals(0f, later[2], 0f, kind.toString());
      for (float v : out.x()) {
        assertTrue(Float.isFinite(v), kind + ": " + v);
      }
    }
  }

  @Test
  void theFitUsesOnlyTheSetGiven() {
    Dataset train = data(300, OFFSET, SPREAD, 3);
    float[] shifted = OFFSET.clone();
    float[] wider = SPREAD.clone();
    for (int j = 0; j < shifted.length; j++) {
      shifted[j] += 5 * SPREAD[j];
      wider[j] *= 3;
    }
    Dataset test = data(200, shifted, wider, 4);
    Transform minmax = Transform.fit(Transform.Kind.MINMAX, train);
    Transform standard = Transform.fit(Transform.Kind.STANDARDIZE, train);
    Transform again = Transform.fit(Transform.Kind.MINMAX, train);
    float[] before = test.x().clone();

    // the test set through the train set's transform: (x − train min)·(1/train range), element by element
    Dataset out = minmax.apply(test);
    assertArrayEquals(before, test.x());
    int f = train.features();
    for (int j = 0; j < f; j++) {
      double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
      for (float v : column(train, j)) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
      float shift = (float) min, scale = (float) (1 / (max - min));
      for (int i = 0; i < test.rows(); i++) {
        assertEquals((before[i * f + j] - shift) * scale, out.x()[i * f + j], 0f, "row " + i + " feature " + j);
      }
      // so the test set is not mapped to [0, 1]: it lies well above
      double mean = 0;
      for (float v : column(out, j)) {
        mean += v / test.rows();
      }
      assertTrue(mean > 1, "feature " + j + " mean " + mean);
    }
    // nor standardised to mean 0
    Dataset z = standard.apply(test);
    for (int j = 0; j < f; j++) {
      double mean = 0;
      for (float v : column(z, j)) {
        mean += v / test.rows();
      }
      assertEquals(5, mean, 0.5, "feature " + j);
    }
    // transforming a set does not fit anything: the transform is the same after
    assertEquals(again.toMetadata(), minmax.toMetadata());
    assertArrayEquals(minmax.apply(test).x(), out.x());
  }

  @Test
  void noneIsTheIdentity() throws IOException {
    Dataset d = data(20, OFFSET, SPREAD, 5);
    float[] before = d.x().clone();
    for (Transform t : new Transform[] {Transform.none(), Transform.fit(Transform.Kind.NONE, d),
        Transform.parse(Transform.none().toMetadata(), 5), Transform.parse("{\"kind\":\"none\"}", 99)}) {
      assertEquals(Transform.Kind.NONE, t.kind());
      assertSame(d, t.apply(d));
      float[] x = d.x().clone();
      t.apply(x, 0, 20, 5);
      t.apply(x, 0, 3, 7); // any width: nothing is fitted
      assertArrayEquals(before, x);
      assertEquals("none", t.toString());
    }
    assertArrayEquals(before, d.x());
    assertEquals("{\"kind\":\"none\"}", Transform.none().toMetadata().replace(" ", ""));
  }

  @Test
  void applyInPlaceAtAnOffset() {
    Dataset d = data(10, OFFSET, SPREAD, 6);
    Transform t = Transform.fit(Transform.Kind.STANDARDIZE, d);
    float[] whole = t.apply(d).x();
    float[] x = new float[3 + 25 + 4];
    Arrays.fill(x, 42f);
    System.arraycopy(d.x(), 5 * 5, x, 3, 25); // rows 5..9
    t.apply(x, 3, 10 - 5, 5);
    assertArrayEquals(Arrays.copyOfRange(whole, 25, 50), Arrays.copyOfRange(x, 3, 28));
    assertEquals(42f, x[2]);
    assertEquals(42f, x[28]);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.apply(new float[8], 0, 2, 4));
    assertTrue(e.getMessage().contains("5 features"), e.getMessage());
  }

  @Test
  void metadataRoundTripsBitExactly() throws IOException {
    // features with extreme magnitudes: shifts and scales near the float range's ends
    float[] offset = {0, 1e-30f, 2e38f, -2e38f, 1e6f, 1f};
    float[] spread = {1, 1e-31f, 1e37f, 1e37f, 1e-1f, 1e-7f};
    Dataset train = data(64, offset, spread, 7);
    Dataset other = data(64, offset, spread, 8);
    SplittableRandom r = new SplittableRandom(9);
    float[] random = new float[40 * 6];
    for (int i = 0; i < random.length; i++) {
      random[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(-30, 30)));
    }
    float[] extremes = {1e-30f, -1e-30f, 3e38f, -3e38f, Float.MIN_VALUE, Float.MIN_NORMAL, 0f, -0f, 1e38f, 1f};
    System.arraycopy(extremes, 0, random, 17, extremes.length);
    for (Transform.Kind kind : Transform.Kind.values()) {
      Transform t = Transform.fit(kind, train);
      String text = t.toMetadata();
      Transform back = Transform.parse(text, 6);
      assertEquals(kind, back.kind());
      assertEquals(text, back.toMetadata(), kind.toString());
      assertBitsEqual(t.apply(train).x(), back.apply(train).x(), kind + " train");
      assertBitsEqual(t.apply(other).x(), back.apply(other).x(), kind + " other");
      float[] a = random.clone(), b = random.clone();
      t.apply(a, 0, 40, 6);
      back.apply(b, 0, 40, 6);
      assertBitsEqual(a, b, kind + " random");
    }
    // and the kinds' names in any case
    Transform upper = Transform.parse(Transform.fit(Transform.Kind.MINMAX, train).toMetadata().replace("minmax", "MinMax"), 6);
    assertEquals(Transform.Kind.MINMAX, upper.kind());
  }

  private static void assertBitsEqual(float[] expected, float[] actual, String what) {
    assertEquals(expected.length, actual.length, what);
    for (int i = 0; i < expected.length; i++) {
      assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(actual[i]),
          what + " [" + i + "]: " + expected[i] + " vs " + actual[i]);
    }
  }

  @Test
  void parseErrorsSayWhatIsWrong() {
    String good = "{\"kind\":\"minmax\",\"shift\":[1,2],\"scale\":[0.5,0.25]}";
    String[][] cases = {
        {good, "3", "2 shifts and 2 scales for 3 features"},
        {"{\"kind\":\"minmax\",\"shift\":[1,2],\"scale\":[0.5]}", "2", "2 shifts and 1 scales for 2 features"},
        {"{\"kind\":\"log\"}", "2", "transform kind 'log' is not none, minmax or standardize"},
        {"{\"kind\":\"\"}", "2", "transform kind '' is not none"},
        {"{\"kind\":\"standardize\",\"shift\":[1,1e39],\"scale\":[1,1]}", "2", "transform of feature 1 is not finite"},
        {"{\"kind\":\"standardize\",\"shift\":[1,2],\"scale\":[-1e40,1]}", "2", "transform of feature 0 is not finite"},
        {"{\"kind\":\"minmax\",\"shift\":[1,\"2\"],\"scale\":[1,1]}", "2", "shift[1] is not a number"},
        {"{\"kind\":\"minmax\",\"scale\":[1,1]}", "2", "lacks 'shift'"},
        {"{\"shift\":[1,2],\"scale\":[1,1]}", "2", "lacks 'kind'"},
        {"[1,2]", "2", "is not a JSON object"},
        {"minmax", "2", ""},
        {"", "2", ""},
    };
    for (String[] c : cases) {
      IOException e = assertThrows(IOException.class, () -> Transform.parse(c[0], Integer.parseInt(c[1])), c[0]);
      assertTrue(e.getMessage() != null && e.getMessage().contains(c[2]), c[0] + " -> " + e.getMessage());
    }
  }

  private static Network network(int inputs) {
    return Network.builder(inputs).dense(24, Activation.GELU).dropout(0.2f).dense(16, Activation.RELU).dense(3)
        .loss(Loss.SOFTMAX_CROSS_ENTROPY).build(12);
  }

  @Test
  void aPredictorWithATransformSeesTheTransformedRows() throws IOException {
    Dataset train = data(90, OFFSET, SPREAD, 10);
    Dataset rows = data(150, OFFSET, SPREAD, 11); // blocks of 64, 64 and 22
    int f = train.features(), n = rows.rows();
    Network net = network(f);
    for (Transform.Kind kind : new Transform.Kind[] {Transform.Kind.MINMAX, Transform.Kind.STANDARDIZE}) {
      Transform t = Transform.fit(kind, train);
      float[] raw = rows.x().clone();
      float[] transformed = t.apply(rows).x();
      Predictor plain = Predictor.of(net);
      Predictor with = Predictor.of(net, t);
      assertSame(t, with.transform());
      assertEquals(Transform.Kind.NONE, plain.transform().kind());

      Path file = dir.resolve(kind + ".safetensors");
      ModelFile.save(net, file, Map.of(Transform.METADATA_KEY, t.toMetadata()));
      Predictor loaded = Predictor.load(file);
      assertEquals(kind, loaded.transform().kind());
      assertEquals(t.toMetadata(), loaded.transform().toMetadata());

      float[] expected = plain.predictBatch(transformed, n);
      for (Predictor p : new Predictor[] {with, loaded}) {
        String what = kind + (p == with ? " of" : " load");
        assertBitsEqual(expected, p.predictBatch(raw, n), what + " batch");
        float[] out = new float[2 + 40 * 3];
        p.predictBatch(raw, 7 * f, 40, out, 2); // offsets: rows 7..46
        assertBitsEqual(Arrays.copyOfRange(expected, 21, 141), Arrays.copyOfRange(out, 2, 122), what + " offsets");
        for (int i = 0; i < n; i += 37) {
          float[] row = Arrays.copyOfRange(raw, i * f, (i + 1) * f);
          float[] tRow = Arrays.copyOfRange(transformed, i * f, (i + 1) * f);
          assertBitsEqual(Arrays.copyOfRange(expected, i * 3, i * 3 + 3), p.predict(row), what + " row " + i);
          assertBitsEqual(plain.probabilities(tRow), p.probabilities(row), what + " probabilities " + i);
          assertEquals(plain.classify(tRow), p.classify(row), what + " class " + i);
        }
        int[] classes = new int[n], expectedClasses = new int[n];
        p.classifyBatch(raw, 0, n, classes, 0);
        plain.classifyBatch(transformed, 0, n, expectedClasses, 0);
        assertArrayEquals(expectedClasses, classes, what + " classes");
        float[] probs = new float[n * 3], expectedProbs = new float[n * 3];
        p.probabilitiesBatch(raw, 0, n, probs, 0);
        plain.probabilitiesBatch(transformed, 0, n, expectedProbs, 0);
        assertBitsEqual(expectedProbs, probs, what + " probabilities");
      }
      assertArrayEquals(raw, rows.x(), "the caller's rows are not transformed in place");
      // the transform matters: without it the outputs differ
      assertTrue(!Arrays.equals(expected, plain.predictBatch(raw, n)), kind.toString());
    }
  }

  @Test
  void aModelFileWithoutATransformLoadsWithNone() throws IOException {
    Network net = network(5);
    Path file = dir.resolve("plain.safetensors");
    ModelFile.save(net, file);
    Predictor p = Predictor.load(file);
    assertEquals(Transform.Kind.NONE, p.transform().kind());
    float[] x = data(10, OFFSET, SPREAD, 13).x();
    assertBitsEqual(Predictor.of(net).predictBatch(x, 10), p.predictBatch(x, 10), "no transform");
  }

  @Test
  void aModelFileWithABadTransformIsABadFile() throws IOException {
    Network net = network(5);
    Path file = dir.resolve("bad.safetensors");
    Transform fitted = Transform.fit(Transform.Kind.MINMAX, data(10, new float[] {0, 1}, new float[] {1, 1}, 14));
    ModelFile.save(net, file, Map.of(Transform.METADATA_KEY, fitted.toMetadata())); // 2 features for a 5-input net
    BadFileException e = assertThrows(BadFileException.class, () -> Predictor.load(file));
    assertEquals(file, e.file());
    assertTrue(e.getMessage().contains(Transform.METADATA_KEY) && e.getMessage().contains("for 5 features"), e.getMessage());
  }
}
