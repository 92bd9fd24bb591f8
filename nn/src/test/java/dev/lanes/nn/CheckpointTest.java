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
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Resuming: N steps straight and k steps, save, load, N − k steps give the same bits, for every
 * optimizer, with dropout, schedules, clipping and a different thread count after the resume.
 */
class CheckpointTest {
  @TempDir
  Path dir;

  private static final int ROWS = 300, FEATURES = 40, BATCH = 64; // 5 steps per epoch, the last one partial

  private static Dataset data() {
    SplittableRandom r = new SplittableRandom(8);
    float[] x = new float[ROWS * FEATURES];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) r.nextGaussian();
    }
    return Dataset.classification(x, ROWS, FEATURES, r.ints(ROWS, 0, 5).toArray(), 5);
  }

  private static Network network() {
    return Network.builder(FEATURES).dense(48, Activation.TANH).dropout(0.3f).dense(32, Activation.GELU)
        .dense(5).loss(Loss.SOFTMAX_CROSS_ENTROPY).build(4);
  }

  private static Trainer.Builder configured(Network net, Optimizer opt, Schedule schedule) {
    return Trainer.builder(net).optimizer(opt).batchSize(BATCH).epochs(3).seed(77).schedule(schedule).clipNorm(0.5f);
  }

  /** Stops the run after the given step. */
  private static TrainingListener stopAfter(long last) {
    return new TrainingListener() {
      @Override
      public boolean onStep(int epoch, long step, float loss) {
        return step < last;
      }
    };
  }

  @Test
  void resumingContinuesBitForBit() throws IOException {
    Dataset data = data();
    List<Supplier<Optimizer>> optimizers = List.of(() -> Optimizer.adam(3e-3f), () -> Optimizer.adamW(3e-3f),
        () -> Optimizer.momentum(0.05f, 0.9f, true).withWeightDecay(1e-3f), () -> Optimizer.sgd(0.1f));
    Schedule schedule = Schedule.warmup(3, Schedule.cosine(0.1f));
    for (Supplier<Optimizer> opt : optimizers) {
      Network straight = network();
      List<EpochResult> full;
      try (Trainer t = configured(straight, opt.get(), schedule).threads(2).build()) {
        full = t.fit(data, null);
      }
      for (long k : new long[] {6, 9}) { // in the middle of epoch 1, and at its end
        Network stopped = network();
        Path file = dir.resolve("run-" + k + ".ckpt");
        try (Trainer t = configured(stopped, opt.get(), schedule).listener(stopAfter(k)).build()) {
          t.fit(data, null);
          assertEquals(k + 1, t.steps());
          Checkpoint.save(t, file);
        }
        Checkpoint c = Checkpoint.load(file);
        assertEquals(k + 1, c.step());
        List<EpochResult> rest;
        try (Trainer t = c.trainer().threads(3).build()) {
          rest = t.fit(data, null);
        }
        String what = opt.get() + " resumed after step " + k;
        assertArrayEquals(straight.parameters(), c.network().parameters(), what);
        EpochResult last = rest.get(rest.size() - 1);
        assertEquals(full.get(2), new EpochResult(last.epoch(), last.steps(), last.trainLoss(), last.validationLoss(),
            last.validationAccuracy(), full.get(2).seconds()), what);
        // the epoch the run stopped in reports the loss over all its steps, before and after the stop
        assertEquals(full.get(rest.get(0).epoch()).trainLoss(), rest.get(0).trainLoss(), what);
      }
    }
  }

  @Test
  void aCheckpointIsAlsoAModelFile() throws IOException {
    Network net = network();
    Path file = dir.resolve("c.ckpt");
    try (Trainer t = configured(net, Optimizer.adam(1e-3f), Schedule.constant()).build()) {
      t.fit(data(), null);
      Checkpoint.save(t, file, Map.of("run", "a"));
    }
    assertArrayEquals(net.parameters(), ModelFile.load(file).parameters());
    assertEquals("a", Checkpoint.load(file).metadata().get("run"));
    assertEquals(Checkpoint.load(file).step(), Checkpoint.stepOf(file)); // from the header alone
    float[] row = new float[FEATURES];
    assertArrayEquals(Predictor.of(net).predict(row), Predictor.load(file).predict(row));
    Path model = dir.resolve("m.safetensors");
    ModelFile.save(net, model);
    BadFileException e = assertThrows(BadFileException.class, () -> Checkpoint.load(model));
    assertTrue(e.getMessage().contains("a model file, not a checkpoint"), e.getMessage());
    assertThrows(BadFileException.class, () -> Checkpoint.stepOf(model));
  }

  @Test
  void resumingWithSomethingElseIsRefused() throws IOException {
    Dataset data = data();
    Path file = dir.resolve("c.ckpt");
    Schedule own = (step, total, perEpoch) -> 1f / (1 + step);
    try (Trainer t = configured(network(), Optimizer.adam(1e-3f), own).listener(stopAfter(2)).build()) {
      t.fit(data, null);
      Checkpoint.save(t, file);
    }
    Checkpoint c = Checkpoint.load(file);
    IllegalStateException s = assertThrows(IllegalStateException.class, () -> c.trainer().build());
    assertTrue(s.getMessage().contains("schedule of the caller's own"), s.getMessage());
    assertThrows(IllegalArgumentException.class, () -> c.trainer().schedule(own).optimizer(Optimizer.sgd(0.1f)).build());
    IllegalArgumentException batch = assertThrows(IllegalArgumentException.class,
        () -> c.trainer().schedule(own).batchSize(32).build());
    assertTrue(batch.getMessage().contains("batches of 64"), batch.getMessage());
    try (Trainer t = c.trainer().schedule(own).build()) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> t.fit(Dataset.classification(new float[200 * FEATURES], 200, FEATURES, new int[200], 5), null));
      assertTrue(e.getMessage().contains("300 rows per epoch"), e.getMessage());
    }
    try (Trainer t = c.trainer().schedule(own).epochs(4).build()) { // raising the epochs trains longer
      assertEquals(4, t.fit(data, null).size());
      assertEquals(20, t.steps());
    }
  }

  @Test
  void badCheckpointsAreRefusedByName() throws IOException {
    Path file = dir.resolve("c.ckpt");
    try (Trainer t = configured(network(), Optimizer.adam(1e-3f), Schedule.constant()).build()) {
      t.fit(data(), null);
      Checkpoint.save(t, file);
    }
    Safetensors.Contents good = Safetensors.read(file);
    expect(good, "nov", m -> {}, t -> t.remove("optimizer.v"), "optimizer.v is missing");
    expect(good, "short", m -> {}, t -> t.put("optimizer.m", new Safetensors.Tensor("optimizer.m",
        new int[] {3}, new float[3])), "optimizer.m has 3 elements");
    float[] nan = good.tensors().get("optimizer.m").data().clone();
    nan[17] = Float.NaN;
    expect(good, "nan", m -> {}, t -> t.put("optimizer.m", new Safetensors.Tensor("optimizer.m",
        new int[] {nan.length}, nan)), "optimizer.m holds NaN at [17]");
    expect(good, "json", m -> m.put(Checkpoint.TRAINING_KEY, "{\"step\": 3"), t -> {}, "lanes.training");
    expect(good, "kind", m -> m.put(Checkpoint.TRAINING_KEY, m.get(Checkpoint.TRAINING_KEY)
        .replace("\"adam\"", "\"lion\"")), t -> {}, "unknown optimizer 'lion'");
    expect(good, "step", m -> m.put(Checkpoint.TRAINING_KEY, m.get(Checkpoint.TRAINING_KEY)
        .replace("\"batch\":64", "\"batch\":0")), t -> {}, "out of range");
    expect(good, "exponent", m -> m.put(Checkpoint.TRAINING_KEY, m.get(Checkpoint.TRAINING_KEY)
        .replace("\"step\":", "\"step\":1e9999999999,\"was\":")), t -> {}, "out of range");
    // a schedule nested 20 000 deep is not parsed (no stack overflow): it counts as the caller's own
    Map<String, String> nested = new LinkedHashMap<>(good.metadata());
    nested.put(Checkpoint.TRAINING_KEY, nested.get(Checkpoint.TRAINING_KEY)
        .replace("\"constant\"", "\"" + "warmup(1, ".repeat(20_000) + "constant" + ")".repeat(20_000) + "\""));
    Path deep = dir.resolve("deep");
    Safetensors.write(deep, nested, new ArrayList<>(good.tensors().values()));
    assertThrows(IllegalStateException.class, () -> Checkpoint.load(deep).trainer().build());
    expect(good, "sgd", m -> m.put(Checkpoint.TRAINING_KEY, m.get(Checkpoint.TRAINING_KEY)
        .replace("\"adam\"", "\"sgd\"")), t -> {}, "optimizer.m is present but the optimizer keeps no such state");
  }

  private void expect(Safetensors.Contents good, String name,
                      java.util.function.Consumer<Map<String, String>> meta,
                      java.util.function.Consumer<Map<String, Safetensors.Tensor>> tensors, String words) throws IOException {
    Map<String, String> m = new LinkedHashMap<>(good.metadata());
    Map<String, Safetensors.Tensor> t = new LinkedHashMap<>(good.tensors());
    meta.accept(m);
    tensors.accept(t);
    Path f = dir.resolve(name);
    Safetensors.write(f, m, new ArrayList<>(t.values()));
    BadFileException e = assertThrows(BadFileException.class, () -> Checkpoint.load(f));
    assertTrue(e.getMessage().contains(words), e.getMessage());
    assertEquals(f, e.file());
  }
}
