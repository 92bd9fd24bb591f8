package dev.lanes.nn;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads and writes safetensors files of F32 tensors: an 8-byte little-endian header length N, N
 * bytes of UTF-8 JSON (per tensor: dtype, shape and [begin, end) byte offsets into the data; string
 * metadata under {@code __metadata__}), then the tensors' raw little-endian bytes, packed with no
 * holes.
 *
 * <p>Reading trusts nothing in the file: every length, shape and offset is checked against the
 * file's size and the others before anything is allocated, so a damaged or hostile file costs at
 * most its own size in memory and gives a {@link BadFileException} naming the file, the byte and the
 * problem. Writing goes through {@link AtomicFile}.
 */
public final class Safetensors {
  private Safetensors() {}

  /** The header's limit, as in the reference implementation (a header is ~100 bytes per tensor). */
  static final long MAX_HEADER = 100L << 20;
  private static final String METADATA = "__metadata__";
  private static final int CHUNK = 1 << 16;
  private static final Set<String> OTHER_DTYPES = Set.of("F64", "F16", "BF16", "F8_E4M3", "F8_E5M2", "I64", "I32",
      "I16", "I8", "U64", "U32", "U16", "U8", "BOOL");

  /**
   * A named F32 tensor: {@code shape}'s product of elements at {@code data[offset ..]}, row-major.
   * A tensor read from a file owns its array, at offset 0.
   */
  public record Tensor(String name, int[] shape, float[] data, int offset) {
    public Tensor {
      long elements = elements(shape);
      if (offset < 0 || elements > data.length - (long) offset) {
        throw new IllegalArgumentException("Safetensors: tensor " + name + " of shape " + Arrays.toString(shape)
            + " does not fit in an array of " + data.length + " at offset " + offset);
      }
    }

    public Tensor(String name, int[] shape, float[] data) {
      this(name, shape, data, 0);
    }

    public int elements() {
      return (int) elements(shape);
    }

    private static long elements(int[] shape) {
      long n = 1;
      for (int d : shape) {
        if (d < 0 || (n *= d) > Integer.MAX_VALUE - 8) {
          throw new IllegalArgumentException("Safetensors: shape " + Arrays.toString(shape)
              + " has a negative dimension or more elements than one Java array holds");
        }
      }
      return n;
    }
  }

  /** A file's string metadata and its tensors, both in file order. */
  public record Contents(Map<String, String> metadata, Map<String, Tensor> tensors) {}

  /** Writes the tensors (in this order) and the metadata to {@code file}, replacing it atomically. */
  public static void write(Path file, Map<String, String> metadata, List<Tensor> tensors) throws IOException {
    byte[] header = header(metadata, tensors);
    AtomicFile.write(file, out -> {
      ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
      buf.putLong(header.length).flip();
      writeFully(out, buf);
      writeFully(out, ByteBuffer.wrap(header));
      for (Tensor t : tensors) {
        for (int i = 0, n = t.elements(); i < n; ) {
          int c = Math.min(CHUNK / 4, n - i);
          buf.clear();
          buf.asFloatBuffer().put(t.data(), t.offset() + i, c);
          buf.limit(4 * c);
          writeFully(out, buf);
          i += c;
        }
      }
    });
  }

  /** The JSON header, padded with spaces to a multiple of 8 bytes so the data is aligned. */
  private static byte[] header(Map<String, String> metadata, List<Tensor> tensors) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (JsonGenerator g = Json.FACTORY.createGenerator(bytes)) {
      g.writeStartObject();
      if (!metadata.isEmpty()) {
        g.writeObjectFieldStart(METADATA);
        for (Map.Entry<String, String> e : metadata.entrySet()) {
          g.writeStringField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
      }
      Set<String> names = new HashSet<>();
      long at = 0;
      for (Tensor t : tensors) {
        if (t.name().isEmpty() || t.name().equals(METADATA) || !names.add(t.name())) {
          throw new IllegalArgumentException("Safetensors: tensor name '" + t.name() + "' is empty, reserved or repeated");
        }
        g.writeObjectFieldStart(t.name());
        g.writeStringField("dtype", "F32");
        g.writeFieldName("shape");
        g.writeArray(t.shape(), 0, t.shape().length);
        long end = at + 4L * t.elements();
        g.writeFieldName("data_offsets");
        g.writeArray(new long[] {at, end}, 0, 2);
        g.writeEndObject();
        at = end;
      }
      g.writeEndObject();
    }
    while (bytes.size() % 8 != 0) {
      bytes.write(' ');
    }
    return bytes.toByteArray();
  }

  /** One tensor's entry in a header, before its data is read. */
  private record Entry(String name, String dtype, long[] shape, long begin, long end, long at) {}

  /** Reads the whole file after checking its header against its size. */
  public static Contents read(Path file) throws IOException {
    return read(file, true);
  }

  /** The metadata alone, read from the header (checked as {@link #read} checks it); no tensor is read. */
  public static Map<String, String> metadata(Path file) throws IOException {
    return read(file, false).metadata();
  }

  private static Contents read(Path file, boolean withTensors) throws IOException {
    try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = in.size();
      if (size < 8) {
        throw new BadFileException(file, 0, "the file has " + size + " bytes; a safetensors file starts with an 8-byte header length");
      }
      long n = readFully(in, file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
      if (n < 2 || n > size - 8) {
        throw new BadFileException(file, 0, "header length " + Long.toUnsignedString(n) + ", but " + (size - 8)
            + " bytes follow it" + (n >= 0 && n < 2 ? " (a header is at least {})" : " (is it a safetensors file?)"));
      }
      if (n > MAX_HEADER) {
        throw new BadFileException(file, 0, "the header length " + n + " exceeds the limit of " + MAX_HEADER + " bytes");
      }
      byte[] header = readFully(in, file, 8, (int) n).array();
      long dataStart = 8 + n, dataSize = size - dataStart;
      Map<String, String> metadata = new LinkedHashMap<>();
      List<Entry> entries = parse(file, header, metadata);
      checkLayout(file, entries, dataStart, dataSize);
      Map<String, Tensor> tensors = new LinkedHashMap<>();
      if (!withTensors) {
        return new Contents(metadata, tensors);
      }
      ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
      for (Entry e : entries) {
        int[] shape = new int[e.shape.length];
        for (int d = 0; d < shape.length; d++) {
          shape[d] = (int) e.shape[d];
        }
        float[] data = new float[(int) ((e.end - e.begin) / 4)];
        for (int i = 0; i < data.length; ) {
          int c = Math.min(CHUNK / 4, data.length - i);
          long pos = dataStart + e.begin + 4L * i;
          buf.clear().limit(4 * c);
          readFully(in, file, pos, buf);
          buf.flip();
          buf.asFloatBuffer().get(data, i, c);
          i += c;
        }
        tensors.put(e.name, new Tensor(e.name, shape, data));
      }
      return new Contents(metadata, tensors);
    }
  }

  /** The header's tensor entries (in header order) and its metadata; checks each entry on its own. */
  private static List<Entry> parse(Path file, byte[] header, Map<String, String> metadata) throws IOException {
    List<Entry> entries = new ArrayList<>();
    try (JsonParser p = Json.FACTORY.createParser(header)) {
      expect(p, p.nextToken(), JsonToken.START_OBJECT, file, "the header is not a JSON object");
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        expect(p, p.nextToken(), JsonToken.START_OBJECT, file, "'" + name + "' is not a JSON object");
        long at = 8 + p.currentTokenLocation().getByteOffset(); // where the entry's object starts
        if (name.equals(METADATA)) {
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            expect(p, p.nextToken(), JsonToken.VALUE_STRING, file, "metadata '" + key + "' is not a string");
            metadata.put(key, p.getText());
          }
        } else {
          entries.add(entry(file, p, name, at));
        }
      }
      expect(p, p.currentToken(), JsonToken.END_OBJECT, file, "the header is not a JSON object");
      if (p.nextToken() != null) {
        throw new BadFileException(file, 8 + p.currentTokenLocation().getByteOffset(), "the header has content after its JSON object");
      }
    } catch (JsonProcessingException e) {
      long at = e.getLocation() == null ? -1 : 8 + e.getLocation().getByteOffset();
      throw new BadFileException(file, at, "the header is not valid JSON: " + e.getOriginalMessage());
    }
    return entries;
  }

  private static Entry entry(Path file, JsonParser p, String name, long at) throws IOException {
    String dtype = null;
    long[] shape = null, offsets = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken t = p.nextToken();
      switch (field) {
        case "dtype" -> {
          expect(p, t, JsonToken.VALUE_STRING, file, "tensor '" + name + "': dtype is not a string");
          dtype = p.getText();
        }
        case "shape" -> shape = longs(file, p, t, "tensor '" + name + "': shape");
        case "data_offsets" -> offsets = longs(file, p, t, "tensor '" + name + "': data_offsets");
        default -> p.skipChildren(); // fields of later versions of the format
      }
    }
    if (dtype == null || shape == null || offsets == null) {
      throw new BadFileException(file, at, "tensor '" + name + "' lacks "
          + (dtype == null ? "dtype" : shape == null ? "shape" : "data_offsets"));
    }
    if (!dtype.equals("F32")) {
      throw new BadFileException(file, at, "tensor '" + name + "' has dtype " + dtype + (OTHER_DTYPES.contains(dtype)
          ? "; Lanes reads F32 tensors only (convert with tensor.float() before saving)" : ", which is not a safetensors dtype"));
    }
    if (offsets.length != 2) {
      throw new BadFileException(file, at, "tensor '" + name + "': data_offsets has " + offsets.length + " numbers, not 2");
    }
    long elements = 1;
    for (long d : shape) {
      if (d > Integer.MAX_VALUE || (elements = elements * d) > Integer.MAX_VALUE - 8) {
        throw new BadFileException(file, at, "tensor '" + name + "': shape " + Arrays.toString(shape)
            + " declares more elements than one Java array holds (2^31 − 9)");
      }
    }
    if (offsets[1] < offsets[0] || offsets[1] - offsets[0] != 4 * elements) {
      throw new BadFileException(file, at, "tensor '" + name + "': shape " + Arrays.toString(shape) + " needs "
          + 4 * elements + " bytes of F32 but data_offsets " + Arrays.toString(offsets) + " span "
          + (offsets[1] - offsets[0]));
    }
    return new Entry(name, dtype, shape, offsets[0], offsets[1], at);
  }

  /** An array of non-negative integers. */
  private static long[] longs(Path file, JsonParser p, JsonToken t, String what) throws IOException {
    expect(p, t, JsonToken.START_ARRAY, file, what + " is not an array");
    long[] values = new long[4];
    int n = 0;
    while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
      long at = 8 + p.currentTokenLocation().getByteOffset();
      if (t != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER || p.getLongValue() < 0) {
        throw new BadFileException(file, at, what + " holds " + p.getText() + ", not an integer in [0, 2^63)");
      }
      if (n == values.length) {
        if (n == 64) {
          throw new BadFileException(file, at, what + " has more than 64 numbers");
        }
        values = Arrays.copyOf(values, 2 * n);
      }
      values[n++] = p.getLongValue();
    }
    return Arrays.copyOf(values, n);
  }

  /** The tensors must tile the data exactly: in range, no overlaps, no holes. */
  private static void checkLayout(Path file, List<Entry> entries, long dataStart, long dataSize) throws IOException {
    List<Entry> sorted = new ArrayList<>(entries);
    sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
    long covered = 0;
    Entry previous = null;
    for (Entry e : sorted) {
      if (e.end > dataSize) {
        throw new BadFileException(file, e.at, "tensor '" + e.name + "': data_offsets [" + e.begin + ", " + e.end
            + "] reach past the " + dataSize + " bytes of data (the file is truncated or the offsets are wrong)");
      }
      if (e.begin < covered) {
        throw new BadFileException(file, e.at, "tensor '" + e.name + "' (bytes " + e.begin + " to " + e.end
            + ") overlaps tensor '" + previous.name + "' (bytes " + previous.begin + " to " + previous.end + ")");
      }
      if (e.begin > covered) {
        throw new BadFileException(file, dataStart + covered, "data bytes " + covered + " to " + e.begin
            + " belong to no tensor");
      }
      covered = e.end;
      previous = e;
    }
    if (covered != dataSize) {
      throw new BadFileException(file, dataStart + covered, "the last " + (dataSize - covered)
          + " bytes of the file belong to no tensor");
    }
  }

  private static void expect(JsonParser p, JsonToken got, JsonToken wanted, Path file, String problem) throws IOException {
    if (got != wanted) {
      throw new BadFileException(file, 8 + p.currentTokenLocation().getByteOffset(), problem);
    }
  }

  private static ByteBuffer readFully(FileChannel in, Path file, long pos, int n) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(n);
    readFully(in, file, pos, b);
    b.flip();
    return b;
  }

  private static void readFully(FileChannel in, Path file, long pos, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      int r = in.read(b, pos);
      if (r < 0) {
        throw new BadFileException(file, pos, "the file ends early (was it truncated while being read?)");
      }
      pos += r;
    }
  }

  private static void writeFully(FileChannel out, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      out.write(b);
    }
  }
}
