package dev.lanes.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

/** What every summary starts with: the quick/full mode from its arguments and a results folder. */
record Run(boolean quick, Path dir) {

  /**
   * Reads {@code args[0]} (quick, the default, or full), exiting with {@code usage} on anything
   * else, and creates {@code bench/results/<timestamp>/}.
   */
  static Run start(String[] args, String usage) throws IOException {
    String mode = args.length > 0 ? args[0] : "quick";
    if (!mode.equals("quick") && !mode.equals("full")) {
      System.err.println("usage: " + usage);
      System.exit(2);
    }
    Path dir = Path.of("bench", "results",
        LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    Files.createDirectories(dir);
    return new Run(mode.equals("quick"), dir);
  }
}
