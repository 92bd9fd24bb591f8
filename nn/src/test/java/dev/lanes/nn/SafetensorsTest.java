package dev.lanes.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The safetensors reader and writer: round trips, the exact bytes of the format, and every kind of bad file. */
class SafetensorsTest {
  @TempDir
  Path dir;

  @Test
  void roundTripKeepsBitsShapesOrderAndMetadata() throws IOException {
    Random r = new Random(1);
    float[] big = new float[70_001]; // more than one 64 KB chunk, not a multiple of it
    for (int i = 0; i < big.length; i++) {
      big[i] = Float.intBitsToFloat(r.nextInt()); // every bit pattern, NaNs and infinities included
    }
    float[] slice = {9, 1, 2, 3, 4, 5, 6, 9};
    Path f = dir.resolve("t.safetensors");
    Safetensors.write(f, Map.of("k", "v ✓"), List.of(
        new Safetensors.Tensor("b.big", new int[] {7, 10_000, 1}, big, 1),
        new Safetensors.Tensor("a.small", new int[] {2, 3}, slice, 1),
        new Safetensors.Tensor("empty", new int[] {0, 4}, slice),
        new Safetensors.Tensor("scalar", new int[] {}, slice, 7)));
    Safetensors.Contents c = Safetensors.read(f);
    assertEquals(Map.of("k", "v ✓"), c.metadata());
    assertEquals(List.of("b.big", "a.small", "empty", "scalar"), List.copyOf(c.tensors().keySet()));
    Safetensors.Tensor t = c.tensors().get("b.big");
    assertArrayEquals(new int[] {7, 10_000, 1}, t.shape());
    for (int i = 0; i < 70_000; i++) {
      assertEquals(Float.floatToRawIntBits(big[i + 1]), Float.floatToRawIntBits(t.data()[i]), "element " + i);
    }
    assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, c.tensors().get("a.small").data());
    assertEquals(0, c.tensors().get("empty").data().length);
    assertArrayEquals(new float[] {9}, c.tensors().get("scalar").data());
  }

  @Test
  void writesTheFormatsBytes() throws IOException {
    Path f = dir.resolve("x.safetensors");
    Safetensors.write(f, Map.of(), List.of(new Safetensors.Tensor("w", new int[] {2}, new float[] {1f, -2f})));
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
    long n = b.getLong();
    assertEquals(0, n % 8, "the header is padded so the data starts aligned");
    byte[] header = new byte[(int) n];
    b.get(header);
    assertEquals("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}",
        new String(header, StandardCharsets.UTF_8).stripTrailing());
    assertEquals(1f, b.getFloat());
    assertEquals(-2f, b.getFloat());
    assertEquals(0, b.remaining());
  }

  @Test
  void refusesBadNamesAndSlices() {
    float[] a = new float[4];
    assertThrows(IllegalArgumentException.class, () -> new Safetensors.Tensor("t", new int[] {5}, a));
    assertThrows(IllegalArgumentException.class, () -> new Safetensors.Tensor("t", new int[] {2, 2}, a, 1));
    assertThrows(IllegalArgumentException.class, () -> new Safetensors.Tensor("t", new int[] {-1}, a));
    assertThrows(IllegalArgumentException.class, () -> Safetensors.write(dir.resolve("d"), Map.of(), List.of(
        new Safetensors.Tensor("t", new int[] {1}, a), new Safetensors.Tensor("t", new int[] {1}, a))));
    assertThrows(IllegalArgumentException.class, () -> Safetensors.write(dir.resolve("m"), Map.of(), List.of(
        new Safetensors.Tensor("__metadata__", new int[] {1}, a))));
  }

  // ---- bad files: each names the file, the byte and the problem ----------------------------------

  private static final String GOOD = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";

  /** An 8-byte length (as given), the header text, then {@code data} zero bytes. */
  private Path file(String name, long length, String header, int data) throws IOException {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + h.length + data).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(length).put(h);
    Path f = dir.resolve(name);
    Files.write(f, b.array());
    return f;
  }

  private Path file(String name, String header, int data) throws IOException {
    return file(name, header.getBytes(StandardCharsets.UTF_8).length, header, data);
  }

  private static void expect(Path f, long offset, String... words) {
    BadFileException e = assertThrows(BadFileException.class, () -> Safetensors.read(f));
    assertEquals(f, e.file());
    assertEquals(offset, e.offset(), e.getMessage());
    assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
    for (String w : words) {
      assertTrue(e.getMessage().contains(w), "'" + w + "' not in: " + e.getMessage());
    }
  }

  @Test
  void truncatedFiles() throws IOException {
    Path good = file("good", GOOD, 8);
    Safetensors.read(good);
    byte[] all = Files.readAllBytes(good);
    Path f = dir.resolve("cut");
    Files.write(f, java.util.Arrays.copyOf(all, 5));
    expect(f, 0, "5 bytes", "8-byte header length");
    Files.write(f, java.util.Arrays.copyOf(all, 20));
    expect(f, 0, "header length " + GOOD.length(), "12 bytes follow");
    Files.write(f, java.util.Arrays.copyOf(all, all.length - 3));
    expect(f, 8 + 5, "reach past the 5 bytes of data", "truncated"); // at the entry of w
    Files.write(f, new byte[0]);
    expect(f, 0, "0 bytes");
  }

  @Test
  void badHeaderLengths() throws IOException {
    expect(file("huge", Long.MAX_VALUE, GOOD, 8), 0, "header length " + Long.MAX_VALUE, "62 bytes follow");
    expect(file("negative", -5, GOOD, 8), 0, "header length " + Long.toUnsignedString(-5));
    expect(file("zero", 0, GOOD, 8), 0, "header length 0");
    expect(file("short", 10, GOOD, 8), 8 + 10, "not valid JSON", "end-of-input"); // the length cuts the JSON short
  }

  /** The byte of the file where {@code needle} starts in the header (after the 8-byte length). */
  private static long at(String header, String needle) {
    return 8 + header.getBytes(StandardCharsets.UTF_8).length
        - header.substring(header.indexOf(needle)).getBytes(StandardCharsets.UTF_8).length;
  }

  private void expectAt(String header, int data, String needle, String... words) throws IOException {
    expect(file("f" + Math.abs(header.hashCode()), header, data), at(header, needle), words);
  }

  @Test
  void headersThatAreNotJsonObjects() throws IOException {
    expect(file("text", "PK\u0003\u0004 not json at all", 0), 8, "not valid JSON");
    expectAt("[1, 2]  ", 0, "[", "not a JSON object");
    expect(file("two", "{} {}", 0), 8 + 3, "content after");
    expectAt("{\"w\": 3}", 0, "3", "'w' is not a JSON object");
    expectAt("{\"__metadata__\": {\"a\": 1}}", 0, "1", "metadata 'a' is not a string");
    expect(file("dup", "{\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]},"
        + "\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}}", 0), 8 + 57, "Duplicate field 'w'");
    byte[] bad = {8, 0, 0, 0, 0, 0, 0, 0, '{', '"', (byte) 0xC3, '"', ':', '{', '}', '}'}; // 0xC3 starts a 2-byte UTF-8 sequence
    Path utf8 = dir.resolve("utf8");
    Files.write(utf8, bad);
    expect(utf8, 8 + 4, "not valid JSON", "UTF-8"); // Jackson points just past the bad sequence
  }

  @Test
  void entriesThatLackOrMisstateFields() throws IOException {
    expectAt("{\"w\":{\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "{\"shape", "lacks dtype");
    expectAt("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", 8, "{\"dtype", "lacks shape");
    expectAt("{\"w\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4, "{\"dtype",
        "dtype BF16", "F32 tensors only");
    expectAt("{\"w\":{\"dtype\":\"Q4\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "{\"dtype",
        "dtype Q4", "not a safetensors dtype");
    expectAt("{\"w\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8, "-2", "shape holds -2");
    expectAt("{\"w\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,8]}}", 8, "2.5", "shape holds 2.5");
    expectAt("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4,8]}}", 8, "{\"dtype",
        "3 numbers, not 2");
    expectAt("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, "{\"dtype",
        "needs 12 bytes", "span 8");
    expectAt("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8, "{\"dtype", "span -8");
  }

  @Test
  void hugeDeclaredSizesAllocateNothing() throws IOException {
    // would need 2^64 bytes; refused from the header alone
    expectAt("{\"w\":{\"dtype\":\"F32\",\"shape\":[2147483647,2147483647],\"data_offsets\":[0,8]}}", 8, "{\"dtype",
        "more elements than one Java array");
    expectAt("{\"w\":{\"dtype\":\"F32\",\"shape\":[99999999999999999999],\"data_offsets\":[0,8]}}", 8, "9999",
        "not an integer in [0, 2^63)");
    // a consistent shape and offsets that the file is far too small for
    expectAt("{\"w\":{\"dtype\":\"F32\",\"shape\":[100000000],\"data_offsets\":[0,400000000]}}", 8, "{\"dtype",
        "reach past the 8 bytes of data");
  }

  @Test
  void offsetsOutOfRangeOverlappingOrLeavingHoles() throws IOException {
    String two = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[%d,%d]},"
        + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[%d,%d]}}";
    Safetensors.read(file("ok", String.format(two, 8, 16, 0, 8), 16)); // header order need not be data order
    String overlap = String.format(two, 0, 8, 4, 12);
    expectAt(overlap, 12, "{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4", "'b' (bytes 4 to 12) overlaps tensor 'a'");
    String hole = String.format(two, 0, 8, 12, 20);
    expect(file("hole", hole, 20), 8 + hole.length() + 8, "data bytes 8 to 12 belong to no tensor");
    expect(file("tail", GOOD, 12), 8 + GOOD.length() + 8, "last 4 bytes", "belong to no tensor");
    String past = String.format(two, 0, 8, 8, 16);
    expectAt(past, 12, "{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8", "reach past the 12 bytes");
  }
}
