package dev.lanes.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** IDX files written here, plain and gzipped, good and broken in each header field. */
class IdxTest {
  @TempDir
  Path dir;

  static byte[] idx(int type, int[] dims, int dataBytes) {
    ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + dataBytes);
    b.putInt(type << 8 | dims.length);
    for (int d : dims) {
      b.putInt(d);
    }
    for (int i = 0; i < dataBytes; i++) {
      b.put((byte) (i * 37));
    }
    return b.array();
  }

  static byte[] gzip(byte[] data) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(data);
    }
    return out.toByteArray();
  }

  Path write(String name, byte[] bytes) throws IOException {
    return Files.write(dir.resolve(name), bytes);
  }

  @Test
  void readsPlainAndGzippedFilesAlike() throws IOException {
    byte[] images = idx(8, new int[] {3, 2, 2}, 12);
    byte[] labels = {0, 0, 8, 1, 0, 0, 0, 3, 2, 0, 1};
    Dataset plain = Idx.load(write("i", images), write("l", labels), 3);
    Dataset gz = Idx.load(write("i.gz", gzip(images)), write("l.gz", gzip(labels)), 3);
    assertEquals(3, plain.rows());
    assertEquals(4, plain.features());
    assertArrayEquals(plain.x, gz.x);
    assertArrayEquals(new int[] {2, 0, 1}, gz.labels);
    assertEquals((37 & 0xFF) / 255f, plain.x[1]);
  }

  @Test
  void brokenHeadersAreReportedWithFileAndOffset() throws IOException {
    Path labels = write("l", new byte[] {0, 0, 8, 1, 0, 0, 0, 1, 0});
    expect(write("magic", new byte[] {1, 0, 8, 3, 0, 0, 0, 1}), labels, "at byte 0", "bad magic");
    expect(write("type", idx(0x0D, new int[] {1, 2, 2}, 16)), labels, "at byte 2", "element type 0x0d");
    expect(write("dims", idx(8, new int[] {1, 4}, 4)), labels, "at byte 3", "2 dimensions, expected 3");
    expect(write("zero", idx(8, new int[] {1, 0, 2}, 0)), labels, "at byte 8", "dimension 1 is 0");
    expect(write("short", new byte[] {0, 0, 8, 3, 0, 0}), labels, "at byte 4", "ends inside the header");
    expect(write("huge", idx(8, new int[] {65536, 65536, 1}, 4)), labels, "at byte 8", "exceeds 2^31");
    byte[] truncated = idx(8, new int[] {1, 2, 2}, 3);
    expect(write("trunc", truncated), labels, "at byte 16", "declares 4 bytes of data, but the file holds 3");
    expect(write("trunc.gz", gzip(truncated)), labels, "at byte 16", "decompresses to 3");
    Path images = write("ok", idx(8, new int[] {2, 2, 2}, 8));
    expect(images, labels, "labels", "1 labels for 2 images");
  }

  @Test
  void labelsOutOfRangeAreReported() throws IOException {
    Path images = write("ok", idx(8, new int[] {2, 1, 1}, 2));
    IOException e = assertThrows(IOException.class,
        () -> Idx.load(images, write("l", new byte[] {0, 0, 8, 1, 0, 0, 0, 2, 1, 10}), 10));
    assertTrue(e.getMessage().contains("at byte 9") && e.getMessage().contains("label 10"), e.getMessage());
  }

  private static void expect(Path images, Path labels, String where, String reason) {
    IOException e = assertThrows(IOException.class, () -> Idx.load(images, labels, 10));
    assertTrue(e.getMessage().contains(where) && e.getMessage().contains(reason), e.getMessage());
  }
}
