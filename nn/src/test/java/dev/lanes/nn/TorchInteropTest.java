package dev.lanes.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.lanes.kernel.Activation;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PyTorch computes what Lanes computes: networks covering every activation, dropout and the three
 * losses are trained a few steps, saved with {@link ModelFile}, rebuilt in PyTorch by
 * scripts/lib/torch_interop.py (an nn.ModuleList loaded with load_state_dict(strict=True), run as an
 * nn.Sequential in eval mode) and their outputs compared within 1e−5 (the script documents the
 * mixed relative rule); and the other way, Lanes reads a file that PyTorch tensors were written to.
 *
 * <p>Needs a Python with torch and numpy (Debian's python3-torch): $LANES_TORCH_PYTHON, else
 * /usr/bin/python3, else python3. Skips without one, unless LANES_REQUIRE_TORCH=1 (set by
 * scripts/torch-interop), when it fails. LANES_TORCH_INTEROP_DIR keeps the files there.
 */
class TorchInteropTest {
  static final float RTOL = 1e-5f;
  static final Path SCRIPT = Path.of(System.getProperty("user.dir")).resolve("../scripts/lib/torch_interop.py").normalize();
  static final long TIMEOUT_S = 180;
  private static String python;

  /** The Python that has torch and numpy, or the test aborts (fails when torch is required). */
  static synchronized String python() throws IOException, InterruptedException {
    if (python != null) {
      return python;
    }
    List<String> candidates = new ArrayList<>();
    String env = System.getenv("LANES_TORCH_PYTHON");
    if (env != null && !env.isBlank()) {
      candidates.add(env);
    }
    candidates.add("/usr/bin/python3");
    candidates.add("python3");
    for (String p : candidates) {
      // find_spec instead of importing: importing torch takes seconds; the script imports it anyway
      Run r = run(Path.of(System.getProperty("java.io.tmpdir")), 30, p, "-c",
          "import importlib.util as u, sys; sys.exit(0 if u.find_spec('torch') and u.find_spec('numpy') else 1)");
      if (r != null && r.exit == 0) {
        return python = p;
      }
    }
    String why = "python3-torch not installed (no torch in " + candidates + "); scripts/torch-interop installs it";
    if ("1".equals(System.getenv("LANES_REQUIRE_TORCH"))) {
      fail(why + " (LANES_REQUIRE_TORCH=1)");
    }
    Assumptions.abort(why);
    return null;
  }

  record Run(int exit, String output) {}

  /** Runs a command with a time limit; null if it cannot start. */
  static Run run(Path dir, long timeoutS, String... command) throws IOException, InterruptedException {
    Path log = Files.createTempFile(dir, "run", ".log");
    Process p;
    try {
      p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    } catch (IOException e) {
      Files.deleteIfExists(log);
      return null;
    }
    boolean done = p.waitFor(timeoutS, TimeUnit.SECONDS);
    if (!done) {
      p.destroyForcibly().waitFor();
    }
    String out = Files.readString(log, StandardCharsets.UTF_8);
    Files.deleteIfExists(log);
    return new Run(done ? p.exitValue() : -1, done ? out : out + "\n(killed after " + timeoutS + " s)");
  }

  static Path workDir(Path temp) throws IOException {
    String keep = System.getenv("LANES_TORCH_INTEROP_DIR");
    return keep == null || keep.isBlank() ? temp : Files.createDirectories(Path.of(keep));
  }

  static Network model(int k, Activation act, Loss loss) {
    int out = loss == Loss.BINARY_CROSS_ENTROPY ? 1 : 3;
    return Network.builder(6).dense(16, act).dense(12, act).dense(out).loss(loss).build(100 + k);
  }

  static float[] inputs(int rows, int features, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    float[] x = new float[rows * features];
    for (int i = 0; i < x.length; i++) {
      // the first 8 rows large: saturated sigmoid/tanh/GELU, softplus past torch's threshold of 20
      x[i] = (float) (rng.nextGaussian() * (i < 8 * features ? 12 : 2));
    }
    return x;
  }

  /** A few Adam steps on random data, so that weights and biases are far from their initial values. */
  static void train(Network net, long seed) {
    int n = 64, f = net.inputs(), k = net.outputs();
    float[] x = inputs(n, f, seed);
    SplittableRandom rng = new SplittableRandom(seed + 1);
    Dataset data;
    if (net.loss().usesLabels()) {
      int[] labels = new int[n];
      for (int i = 0; i < n; i++) {
        labels[i] = rng.nextInt(k);
      }
      data = Dataset.classification(x, n, f, labels, k);
    } else {
      float[] t = new float[n * k];
      for (int i = 0; i < t.length; i++) {
        t[i] = net.loss() == Loss.BINARY_CROSS_ENTROPY ? rng.nextInt(2) : (float) rng.nextGaussian();
      }
      data = Dataset.regression(x, n, f, t, k);
    }
    try (Trainer t = Trainer.builder(net).optimizer(Optimizer.adam(1e-2f)).batchSize(16).epochs(2).seed(seed).build()) {
      t.fit(data, null);
    }
  }

  @Test
  void pytorchComputesWhatLanesComputes(@TempDir Path temp) throws Exception {
    String py = python();
    Path dir = workDir(temp);
    Activation[] acts = {Activation.IDENTITY, Activation.RELU, Activation.leakyRelu(0.1f), Activation.SIGMOID,
        Activation.TANH, Activation.GELU, Activation.SILU, Activation.SOFTPLUS};
    Loss[] losses = Loss.values();
    List<Network> nets = new ArrayList<>();
    for (int k = 0; k < acts.length; k++) {
      nets.add(model(k, acts[k], losses[k % losses.length]));
    }
    nets.add(Network.builder(6).dense(16, Activation.RELU).dropout(0.25f).dense(16, Activation.GELU).dropout(0.1f)
        .dense(8, Activation.SOFTPLUS).dense(4).loss(Loss.SOFTMAX_CROSS_ENTROPY).build(1));
    nets.add(Network.builder(6).dense(8, Activation.TANH).dropout(0.5f).dense(1).loss(Loss.BINARY_CROSS_ENTROPY)
        .build(2));
    List<String> command = new ArrayList<>(List.of(py, SCRIPT.toString()));
    for (int k = 0; k < nets.size(); k++) {
      Network net = nets.get(k);
      train(net, k);
      Path model = dir.resolve("model" + k + ".safetensors"), kase = dir.resolve("case" + k + ".safetensors");
      ModelFile.save(net, model);
      boolean moved = false;
      for (Safetensors.Tensor t : Safetensors.read(model).tensors().values()) {
        if (t.name().endsWith(".bias")) {
          for (float b : t.data()) {
            moved |= b != 0;
          }
        }
      }
      assertTrue(moved, "training moved the biases of " + net);
      int n = 64;
      float[] x = inputs(n, 6, 1000 + k);
      float[] y = Predictor.of(net).predictBatch(x, n);
      Safetensors.write(kase, Map.of(), List.of(new Safetensors.Tensor("inputs", new int[] {n, 6}, x),
          new Safetensors.Tensor("outputs", new int[] {n, net.outputs()}, y)));
      command.add(model.toString());
      command.add(kase.toString());
    }
    Run r = run(dir, TIMEOUT_S, command.toArray(String[]::new));
    System.out.println("torch_interop.py:\n" + r.output());
    assertEquals(0, r.exit(), () -> "PyTorch disagrees with Lanes (" + String.join(" ", command) + "):\n" + r.output());
    assertEquals(nets.size(), r.output().lines().filter(l -> l.startsWith("PASS ")).count(), r.output());
  }

  @Test
  void lanesReadsWhatPyTorchWrites(@TempDir Path temp) throws Exception {
    String py = python();
    Path file = workDir(temp).resolve("from-torch.safetensors");
    Run r = run(workDir(temp), TIMEOUT_S, py, SCRIPT.toString(), "--write-sample", file.toString());
    assertEquals(0, r.exit(), r::output);

    Safetensors.Contents c = Safetensors.read(file);
    assertTrue(c.metadata().get("written_by").startsWith("torch "), c.metadata().toString());
    float[] arange = new float[12];
    for (int i = 0; i < 12; i++) {
      arange[i] = i / 7f - 0.5f;
    }
    Safetensors.Tensor a = c.tensors().get("arange");
    assertArrayEquals(new int[] {3, 4}, a.shape());
    assertArrayEquals(bits(arange), bits(a.data()), "arange(12)/7 − 0.5, bit for bit");
    float[] exact = {0f, -0f, Float.MIN_VALUE, -Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
        (float) (1.0 / 3)};
    assertArrayEquals(bits(exact), bits(c.tensors().get("exact").data()), "±0, subnormal, ±max, ±Inf, 1/3");

    // the PyTorch-made model (Linear, Dropout, Linear) loads, and predicts what PyTorch computed
    Network net = ModelFile.load(file);
    assertEquals("5 → dense(4, tanh) → dropout(0.5) → dense(3, identity) | mean_squared_error", net.toString());
    Safetensors.Tensor x = c.tensors().get("inputs"), y = c.tensors().get("outputs");
    int n = x.shape()[0];
    String bad = mixedErrors(y.data(), Predictor.of(net).predictBatch(x.data(), n), n, 3);
    assertTrue(bad.isEmpty(), bad);
  }

  /** Where |actual − expected| > RTOL·(|expected| + max of |expected| in its column); empty if nowhere. */
  static String mixedErrors(float[] expected, float[] actual, int n, int k) {
    StringBuilder bad = new StringBuilder();
    for (int j = 0; j < k; j++) {
      double scale = 0;
      for (int i = 0; i < n; i++) {
        scale = Math.max(scale, Math.abs(expected[i * k + j]));
      }
      for (int i = 0; i < n; i++) {
        double e = expected[i * k + j], d = Math.abs(actual[i * k + j] - e);
        if (!(d <= RTOL * (Math.abs(e) + scale))) {
          bad.append("[").append(i).append(", ").append(j).append("]: expected ").append(e).append(", got ")
              .append(actual[i * k + j]).append('\n');
        }
      }
    }
    return bad.toString();
  }

  static int[] bits(float[] v) {
    int[] b = new int[v.length];
    for (int i = 0; i < v.length; i++) {
      b[i] = Float.floatToRawIntBits(v[i]);
    }
    return b;
  }
}
