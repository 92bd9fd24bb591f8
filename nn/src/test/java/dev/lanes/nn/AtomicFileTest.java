package dev.lanes.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A write that fails, or a process killed mid-write, leaves the old file whole. */
class AtomicFileTest {
  @TempDir
  Path dir;

  private List<Path> files() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.sorted().toList();
    }
  }

  @Test
  void aFailedWriteLeavesTheOldFileAndNoTemporary() throws IOException {
    Path f = dir.resolve("model.safetensors");
    Files.writeString(f, "old");
    IOException io = assertThrows(IOException.class, () -> AtomicFile.write(f, out -> {
      out.write(ByteBuffer.wrap("half of the new".getBytes(StandardCharsets.UTF_8)));
      throw new IOException("disk full");
    }));
    assertEquals("disk full", io.getMessage());
    assertThrows(IllegalStateException.class, () -> AtomicFile.write(f, out -> {
      throw new IllegalStateException("bug in the writer");
    }));
    assertEquals("old", Files.readString(f));
    assertEquals(List.of(f), files());
    AtomicFile.write(f, out -> out.write(ByteBuffer.wrap("new".getBytes(StandardCharsets.UTF_8))));
    assertEquals("new", Files.readString(f));
    assertEquals(List.of(f), files());
  }

  /** Writes ever-new versions of a model-sized file until it is killed: args[0] the file. */
  public static final class Writer {
    public static void main(String[] args) throws IOException {
      float[] data = new float[1 << 20]; // 4 MB: a write takes long enough to be killed inside it
      for (int version = 0; ; version++) {
        Arrays.fill(data, version);
        Safetensors.write(Path.of(args[0]), Map.of("version", Integer.toString(version)),
            List.of(new Safetensors.Tensor("w", new int[] {data.length}, data)));
      }
    }
  }

  @Test
  void aProcessKilledWhileWritingLeavesAWholeFile() throws Exception {
    Path f = dir.resolve("model.safetensors");
    Writer.class.getName(); // the child runs this class from the test class path
    float[] first = new float[1 << 20];
    Arrays.fill(first, -1);
    Safetensors.write(f, Map.of("version", "-1"), List.of(new Safetensors.Tensor("w", new int[] {first.length}, first)));
    String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    Random r = new Random(5);
    int newer = 0;
    for (int round = 0; round < 4; round++) {
      Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Writer.class.getName(),
          f.toString()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      Thread.sleep(400 + r.nextInt(600)); // the JVM starts, then writes a version every few ms
      p.destroyForcibly(); // SIGKILL: no shutdown hooks, no finally blocks
      p.waitFor();
      Safetensors.Contents c = Safetensors.read(f); // never torn: a whole old or a whole new version
      float version = Float.parseFloat(c.metadata().get("version"));
      for (float v : c.tensors().get("w").data()) {
        if (v != version) {
          throw new AssertionError("round " + round + ": version " + version + " holds " + v);
        }
      }
      newer += version >= 0 ? 1 : 0;
    }
    assertTrue(newer > 0, "the child never finished a write; the test proved nothing");
  }

  @Test
  void relativePathsInTheWorkingFolderWork() throws IOException {
    Path f = Path.of("target", "atomic-" + ProcessHandle.current().pid() + ".txt");
    try {
      AtomicFile.write(f, out -> out.write(ByteBuffer.wrap(new byte[] {1, 2})));
      assertEquals(2, Files.size(f));
    } finally {
      Files.deleteIfExists(f);
    }
  }
}
