package dev.lanes.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.CategoryChart;
import org.openjdk.jmh.util.ListStatistics;

/** The report's parts that run without JMH: statistics, cell counts for the estimate, charts. */
class ReportPartsTest {

  @Test
  void statKeepsMinBelowMaxThroughADecreasingConversion() {
    ListStatistics micros = new ListStatistics();
    Arrays.asList(2.0, 4.0, 8.0).forEach(micros::addValue);
    Stat rate = Stat.of(micros, us -> 8 / us);
    assertEquals(new Stat(2, 1, 4), rate);
    assertEquals("2.0 (1.0–4.0)", rate.format("%.1f"));
    assertEquals("3.00", Stat.of(List.of(3.0)).format("%.2f"));
  }

  @Test
  void cellsCountEveryParameterCombinationOfEveryMethod() {
    Settings s = new Settings(1, 1, 100, 1, 100);
    assertEquals(3 * 2, new JmhRun("gemm", s, Map.of("shape", new String[] {"square-64", "square-128",
        "fwd-32-784-256"}), List.of(GemmBench.class)).cells());
    assertEquals(2 * 2 * 2 * 2, new JmhRun("dense", s, Map.of(), List.of(DenseBench.class)).cells());
    assertEquals(1 + 2, new JmhRun("limits", s, Map.of("op", new String[] {"copy"}),
        List.of(PeakBench.class, LoopBench.class)).cells());
    assertArrayEquals(new String[] {"square-64", "square-128"}, JmhRun.matching(GemmBench.class, "shape", "square-(64|128)"));
  }

  @Test
  void trainingFlopsLeaveOutTheInputLayersGradient() {
    // 784-256-128-10: forward 2·(784·256 + 256·128 + 128·10), dW the same, dX without 784·256
    double forward = 2.0 * (784 * 256 + 256 * 128 + 128 * 10);
    assertEquals(3 * forward - 2.0 * 784 * 256, TrainStepBench.stepFlops("mnist-32-sgd"));
  }

  @Test
  void barsOnALogAxisWriteAPng(@TempDir Path dir) throws Exception {
    CategoryChart chart = Charts.bars("t", "samples/s");
    Charts.bars(chart, "Lanes, 1 thr", List.of("a", "b"), List.of(5e3, 9e5));
    Charts.bars(chart, "PyTorch, 1 thr", List.of("a", "b"), Arrays.asList(4e3, null)); // incomplete: left out
    assertEquals(1, chart.getSeriesMap().size());
    assertEquals(1000, chart.getStyler().getYAxisMin());
    Charts.write(chart, dir.resolve("c.png"));
    byte[] png = Files.readAllBytes(dir.resolve("c.png"));
    assertTrue(png.length > 1000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G');
  }

  @Test
  void peerBurstsOfEachForkJoinInOrderAndPairWithLanesIterations(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("train-torch.jsonl");
    Files.writeString(file, """
        {"model": "wide-256-sgd", "threads": 2, "runs": [30.0, 40.0]}
        {"model": "tiny-64-sgd", "threads": 1, "runs": []}
        {"model": "wide-256-sgd", "threads": 2, "runs": [50.0]}
        """);
    Map<String, List<Double>> bursts = PeerBursts.read(file, TrainSummary.PEER_CELL);
    assertEquals(Map.of("wide-256-sgd|2", List.of(30.0, 40.0, 50.0)), bursts);
    // iteration by iteration; a burst without its iteration (or the reverse) is left out
    assertEquals(List.of(1.5, 4.0), PeerBursts.ratios(List.of(20.0, 10.0), bursts.get("wide-256-sgd|2")));
    assertEquals(Map.of(), PeerBursts.read(dir.resolve("none.jsonl"), TrainSummary.PEER_CELL));
  }

  @Test
  void burstsAddOneMeasuredIterationPerIteration() {
    // 2 cells × 2 forks × (3 warm-up + 5 measured) iterations × (0.3 s + the peer's pause)
    assertEquals(2 * 2 * 8 * (0.3 + Settings.PEER_IDLE_S), new Settings(2, 3, 1000, 5, 300).burstSeconds(2), 1e-9);
  }

  @Test
  void estimatesRoundUpToWholeMinutes() {
    assertEquals("about 1 minute", Run.minutes(12));
    assertEquals("about 9 minutes", Run.minutes(501));
  }
}
