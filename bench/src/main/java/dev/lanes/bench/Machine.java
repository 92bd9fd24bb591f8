package dev.lanes.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import jdk.incubator.vector.FloatVector;

/** One line that says what machine a benchmark ran on. */
final class Machine {
  private Machine() {}

  static String describe() {
    String cpu = "unknown CPU";
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          cpu = line.substring(line.indexOf(':') + 1).trim();
          break;
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux: keep "unknown CPU"
    }
    return String.format("Machine: %s, %d cores, JDK %s (%s), vector %d bits (%d floats)",
        cpu, Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
        System.getProperty("java.vm.name"), FloatVector.SPECIES_PREFERRED.vectorBitSize(),
        FloatVector.SPECIES_PREFERRED.length());
  }
}
