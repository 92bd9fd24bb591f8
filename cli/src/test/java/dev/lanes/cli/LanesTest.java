package dev.lanes.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lanes.nn.Checkpoint;
import dev.lanes.nn.ModelFile;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lanes command end to end: its files, its resume, its errors and exit codes. */
class LanesTest {
  @TempDir
  static Path dir;
  static Path csv, inputs;

  /** Three classes of 6 features (named columns, named classes), shifted and scaled so standardising matters. */
  @BeforeAll
  static void data() throws IOException {
    System.setProperty("java.awt.headless", "true");
    csv = dir.resolve("blobs.csv");
    inputs = dir.resolve("inputs.csv");
    Random r = new Random(3);
    StringBuilder s = new StringBuilder("a,b,c,d,e,f,species\n");
    String[] names = {"setosa", "versicolor", "virginica"};
    for (int i = 0; i < 500; i++) {
      int k = r.nextInt(3);
      for (int j = 0; j < 6; j++) {
        s.append(String.format(Locale.ROOT, "%.4f,", (r.nextGaussian() + 1.5 * k + 0.1 * j) * 10 + 50));
      }
      s.append(names[k]).append('\n');
    }
    Files.writeString(csv, s);
    Files.writeString(inputs, "f,e,d,c,b,a\n50,51,52,53,54,55\n80,81,82,83,84,85\n");
  }

  /** Exit code, standard output and standard error of one command line. */
  record Result(int code, String out, String err) {}

  static Result lanes(Object... args) {
    StringWriter out = new StringWriter(), err = new StringWriter();
    String[] a = java.util.Arrays.stream(args).map(Object::toString).toArray(String[]::new);
    int code = Lanes.run(a, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Result(code, out.toString(), err.toString());
  }

  @Test
  void helpAndBadFlags() {
    Result help = lanes("--help");
    assertEquals(0, help.code());
    assertTrue(help.out().contains("train") && help.out().contains("inspect"), help.out());
    assertEquals(0, lanes("train", "--help").code());
    Result none = lanes();
    assertEquals(2, none.code());
    assertTrue(none.err().contains("name a command"), none.err());
    for (Object[] bad : new Object[][] {{"train", "--data", csv, "--bogus"}, {"train", "--data", csv, "--lr", "fast"},
        {"train"}, {"train", "--data", csv, "--optimizer", "lion"}, {"train", "--data", csv, "--validation", "1.5"},
        {"train", "--data", csv, "--schedule", "linear(2)"}, {"frobnicate"}}) {
      Result r = lanes(bad);
      assertEquals(2, r.code(), java.util.Arrays.toString(bad) + ": " + r.err());
      assertEquals(1, r.err().lines().count(), "one line: " + r.err());
      assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
    }
  }

  @Test
  void missingAndMismatchedFilesAreOneLineAndExitThree() throws IOException {
    Result missing = lanes("train", "--data", dir.resolve("nope.csv"));
    assertEquals(3, missing.code());
    assertTrue(missing.err().contains("no such file"), missing.err());
    Path narrow = dir.resolve("narrow.csv");
    Files.writeString(narrow, "x,y,species\n1,2,setosa\n3,4,virginica\n");
    Path run = dir.resolve("mismatch");
    assertEquals(0, lanes("train", "--data", csv, "--layers", "4", "--epochs", "1", "--threads", "1", "--out", run).code());
    Result eval = lanes("eval", "--model", run.resolve("model.safetensors"), "--data", narrow);
    assertEquals(3, eval.code(), eval.err());
    assertTrue(eval.err().contains("the feature columns [x, y] are not the model's [a, b, c, d, e, f]"), eval.err());
    Result predict = lanes("predict", "--model", run.resolve("model.safetensors"), "--input", narrow);
    assertEquals(3, predict.code());
    assertTrue(predict.err().contains("the model takes 6 features (a,b,c,d,e,f)"), predict.err());
    Result notModel = lanes("inspect", csv);
    assertEquals(3, notModel.code());
    assertTrue(notModel.err().contains("is it a safetensors file?"), notModel.err());
    Result verbose = lanes("--verbose", "inspect", csv);
    assertTrue(verbose.err().contains("\tat "), "--verbose prints the stack trace");
  }

  @Test
  void trainLeavesItsFilesAndTheOtherCommandsReadThem() throws IOException {
    Path run = dir.resolve("run");
    Result r = lanes("train", "--data", csv, "--layers", "16,8", "--dropout", "0.1", "--epochs", "3", "--batch", "32",
        "--threads", "2", "--schedule", "cosine(0.1)", "--out", run);
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("epoch   3/3"), r.out());
    assertTrue(r.out().contains("Best epoch"), r.out());
    assertEquals(3, Files.readAllLines(run.resolve("metrics.jsonl")).size());
    List<String> metricsCsv = Files.readAllLines(run.resolve("metrics.csv"));
    assertEquals("epoch,steps,train_loss,val_loss,val_accuracy,seconds,samples_per_second", metricsCsv.get(0));
    assertEquals(4, metricsCsv.size());
    BufferedImage chart = ImageIO.read(run.resolve("chart.png").toFile());
    assertNotNull(chart);
    assertEquals(1280, chart.getWidth());
    for (int e = 1; e <= 3; e++) {
      assertEquals(e * 15L, Checkpoint.load(run.resolve("checkpoints").resolve(String.format("epoch-%03d.safetensors", e))).step());
    }
    ModelFile.load(run.resolve("best.safetensors"));
    assertEquals("6 → dense(16, relu) → dropout(0.1) → dense(8, relu) → dropout(0.1) → dense(3, identity) | softmax_cross_entropy",
        ModelFile.load(run.resolve("model.safetensors")).toString());

    Result again = lanes("train", "--data", csv, "--epochs", "1", "--out", run);
    assertEquals(2, again.code());
    assertTrue(again.err().contains("already holds a run"), again.err());
    assertEquals(4, Files.readAllLines(run.resolve("metrics.csv")).size(), "the earlier run's files are untouched");

    Result eval = lanes("eval", "--model", run.resolve("model.safetensors"), "--data", csv);
    assertEquals(0, eval.code(), eval.err());
    assertTrue(eval.out().contains("accuracy") && eval.out().contains("confusion matrix"), eval.out());
    // the same rows with the feature columns shuffled: eval picks them by name
    List<String> lines0 = Files.readAllLines(csv);
    StringBuilder shuffled = new StringBuilder();
    for (String line : lines0) {
      String[] f = line.split(",");
      shuffled.append(String.join(",", f[5], f[3], f[6], f[0], f[4], f[1], f[2])).append('\n');
    }
    Path reordered = dir.resolve("reordered.csv");
    Files.writeString(reordered, shuffled);
    Result eval2 = lanes("eval", "--model", run.resolve("model.safetensors"), "--data", reordered);
    assertEquals(0, eval2.code(), eval2.err());
    assertEquals(eval.out().replace(csv.toString(), "DATA"), eval2.out().replace(reordered.toString(), "DATA"));

    Path predictions = dir.resolve("predictions.csv");
    Result predict = lanes("predict", "--model", run.resolve("model.safetensors"), "--input", inputs, "--output", predictions);
    assertEquals(0, predict.code(), predict.err());
    List<String> lines = Files.readAllLines(predictions);
    assertEquals("class,p_setosa,p_versicolor,p_virginica", lines.get(0));
    assertEquals(3, lines.size());
    assertTrue(lines.get(1).matches("(setosa|versicolor|virginica),[0-9.E-]+,[0-9.E-]+,[0-9.E-]+"), lines.get(1));
    Result inspect = lanes("inspect", run.resolve("checkpoints").resolve("epoch-003.safetensors"));
    assertEquals(0, inspect.code(), inspect.err());
    assertTrue(inspect.out().contains("checkpoint    step 45") && inspect.out().contains("classes       3: setosa"),
        inspect.out());
  }

  @Test
  void aResumedRunEndsWithTheBitsOfARunNeverStopped() throws IOException {
    Path straight = dir.resolve("straight"), stopped = dir.resolve("stopped");
    // a constant rate: a schedule stretches over the epochs a run plans, and this run plans 2, then 4
    Object[] common = {"--data", csv, "--layers", "12", "--batch", "40", "--optimizer", "adamw", "--dropout", "0.2",
        "--seed", "9"};
    assertEquals(0, lanes(cat(new Object[] {"train", "--epochs", "4", "--threads", "2", "--out", straight}, common)).code());
    assertEquals(0, lanes(cat(new Object[] {"train", "--epochs", "2", "--threads", "1", "--out", stopped}, common)).code());
    Result resumed = lanes("train", "--data", csv, "--resume", stopped, "--epochs", "4", "--threads", "3");
    assertEquals(0, resumed.code(), resumed.err());
    assertTrue(resumed.out().contains("resuming at step 24 (epoch 3)"), resumed.out());
    assertArrayEquals(ModelFile.load(straight.resolve("model.safetensors")).parameters(),
        ModelFile.load(stopped.resolve("model.safetensors")).parameters());
    assertEquals(5, Files.readAllLines(stopped.resolve("metrics.csv")).size());
  }

  @Test
  void initStartsFromAModelFilesWeights() throws IOException {
    Path first = dir.resolve("first"), second = dir.resolve("second");
    assertEquals(0, lanes("train", "--data", csv, "--layers", "10", "--activation", "tanh", "--epochs", "1", "--out", first)
        .code());
    Result bad = lanes("train", "--data", csv, "--init", first.resolve("model.safetensors"), "--layers", "5");
    assertEquals(2, bad.code());
    assertTrue(bad.err().contains("--init takes the architecture from its file"), bad.err());
    Result r = lanes("train", "--data", csv, "--init", first.resolve("model.safetensors"), "--epochs", "1",
        "--optimizer", "sgd", "--lr", "0", "--out", second); // a zero rate: training leaves the weights as they were
    assertEquals(2, r.code(), "a zero learning rate is refused: " + r.err());
    r = lanes("train", "--data", csv, "--init", first.resolve("model.safetensors"), "--epochs", "1", "--out", second);
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().startsWith("6 → dense(10, tanh) → dense(3, identity)"), r.out());
    float[] before = ModelFile.load(first.resolve("model.safetensors")).parameters();
    float[] after = ModelFile.load(second.resolve("model.safetensors")).parameters();
    assertEquals(before.length, after.length);
    assertFalse(java.util.Arrays.equals(before, after), "trained on from the file's weights");
  }

  private static Object[] cat(Object[] a, Object[] b) {
    Object[] all = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }

  @Test
  void aSignalStopsTrainingAfterACheckpoint() throws Exception {
    Path big = dir.resolve("big.csv");
    StringBuilder s = new StringBuilder("a,b,c,label\n");
    Random r = new Random(5);
    for (int i = 0; i < 20_000; i++) {
      s.append(String.format(Locale.ROOT, "%.3f,%.3f,%.3f,%d%n", r.nextGaussian(), r.nextGaussian(), r.nextGaussian(), i % 2));
    }
    Files.writeString(big, s);
    Path run = dir.resolve("signalled");
    String java = ProcessHandle.current().info().command().orElseThrow();
    Process p = new ProcessBuilder(java, "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"),
        Lanes.class.getName(), "train", "--data", big.toString(), "--layers", "64,64", "--batch", "16", "--epochs", "6",
        "--schedule", "cosine(0.0)", "--threads", "1", "--out", run.toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
    Path first = run.resolve("checkpoints").resolve("epoch-001.safetensors");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!Files.exists(first) && p.isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertTrue(Files.exists(first), "no first epoch within 60 s: " + Files.readString(dir.resolve("child.log")));
    p.destroy(); // SIGTERM: the shutdown hook runs, as for Ctrl-C's SIGINT
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    String log = Files.readString(dir.resolve("child.log"));
    assertEquals(143, p.exitValue(), log); // 128 + SIGTERM
    Checkpoint c = Checkpoint.load(run.resolve("checkpoints").resolve("interrupted.safetensors"));
    assertTrue(c.step() >= 1125 && c.step() < 6 * 1125, "stopped after epoch 1, at step " + c.step() + "\n" + log);
    assertTrue(log.contains("resume with: lanes train --data"), log);
    // resumed from the interrupt, the run ends with the bits of one never interrupted
    Result resumed = lanes("train", "--data", big, "--resume", run, "--threads", "2");
    assertEquals(0, resumed.code(), resumed.err());
    Path straight = dir.resolve("unsignalled");
    assertEquals(0, lanes("train", "--data", big, "--layers", "64,64", "--batch", "16", "--epochs", "6", "--schedule",
        "cosine(0.0)", "--threads", "2", "--out", straight).code());
    assertArrayEquals(ModelFile.load(straight.resolve("model.safetensors")).parameters(),
        ModelFile.load(run.resolve("model.safetensors")).parameters());
  }
}
