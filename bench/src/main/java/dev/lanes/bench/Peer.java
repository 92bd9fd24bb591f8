package dev.lanes.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Starts the PyTorch peer scripts under {@code bench/peers/} (see {@link PeerBursts}). */
final class Peer {
  private Peer() {}

  /**
   * Starts {@code python bench/peers/SCRIPT ARGS...} with OpenBLAS and OpenMP held to {@code threads}
   * (Debian's torch calls a threaded OpenBLAS, which otherwise starts one thread per core on top of
   * torch's own), its errors on this process's stderr.
   */
  static Process start(String python, String threads, String script, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(python, "bench/peers/" + script));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
    pb.environment().put("OPENBLAS_NUM_THREADS", threads);
    pb.environment().put("OMP_NUM_THREADS", threads);
    pb.environment().put("OMP_WAIT_POLICY", "PASSIVE"); // spinning OpenMP workers starve OpenBLAS's: 3-7x slower
    return pb.start();
  }

  /** A line for the report when the peer gave nothing: why; else empty. */
  static String note(String python, Map<String, ?> values) {
    if (python == null || python.isEmpty()) {
      return "\n\nPyTorch not installed: peer skipped.";
    }
    return values.isEmpty() ? "\n\nThe PyTorch peer gave no results (see the log above the report)." : "";
  }
}
