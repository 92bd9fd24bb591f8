package dev.lanes.nn;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reads IDX files (MNIST, Fashion-MNIST), plain or gzipped: unsigned-byte images scaled to [0, 1]
 * and unsigned-byte labels. Every header field is checked, and the declared size against the
 * file's (for gzip, against the uncompressed size its trailer records) before anything large is
 * allocated; a bad file gives an {@link IdxException} naming the file, offset and reason.
 */
public final class Idx {
  private Idx() {}

  /** A malformed IDX file. */
  public static final class IdxException extends BadFileException {
    IdxException(Path file, long offset, String reason) {
      super(file, offset, reason);
    }
  }

  /** Images (n × rows × cols, scaled to [0, 1]) and their labels as a classification data set. */
  public static Dataset load(Path images, Path labels, int classes) throws IOException {
    Header hi = header(images, 3);
    Header hl = header(labels, 1);
    if (hi.dims[0] != hl.dims[0]) {
      throw new IdxException(labels, 4, hl.dims[0] + " labels for " + hi.dims[0] + " images in " + images);
    }
    int n = hi.dims[0], features = hi.dims[1] * hi.dims[2];
    float[] x = new float[n * features];
    byte[] row = new byte[features];
    try (DataInputStream in = open(images, hi)) {
      for (int i = 0; i < n; i++) {
        readFully(in, row, images, hi.dataOffset + (long) i * features);
        for (int j = 0; j < features; j++) {
          x[i * features + j] = (row[j] & 0xFF) / 255f;
        }
      }
    }
    int[] y = new int[n];
    byte[] all = new byte[n];
    try (DataInputStream in = open(labels, hl)) {
      readFully(in, all, labels, hl.dataOffset);
    }
    for (int i = 0; i < n; i++) {
      y[i] = all[i] & 0xFF;
      if (y[i] >= classes) {
        throw new IdxException(labels, hl.dataOffset + i, "label " + y[i] + " is not below " + classes);
      }
    }
    return Dataset.classification(x, n, features, y, classes);
  }

  private record Header(int[] dims, long dataOffset) {}

  private static Header header(Path file, int expectedDims) throws IOException {
    long stored = Files.size(file);
    boolean gz = isGzip(file);
    long available = gz ? gzipSize(file, stored) : stored;
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(stream(file, gz)))) {
      int magic = readInt(in, file, 0);
      if ((magic >>> 16) != 0) {
        throw new IdxException(file, 0, String.format("bad magic 0x%08x: the first two bytes must be 0", magic));
      }
      int type = (magic >>> 8) & 0xFF, dims = magic & 0xFF;
      if (type != 0x08) {
        throw new IdxException(file, 2, String.format("element type 0x%02x; only unsigned bytes (0x08) are read", type));
      }
      if (dims != expectedDims) {
        throw new IdxException(file, 3, dims + " dimensions, expected " + expectedDims);
      }
      int[] d = new int[dims];
      long size = 1;
      for (int i = 0; i < dims; i++) {
        d[i] = readInt(in, file, 4 + 4L * i);
        if (d[i] < 1) {
          throw new IdxException(file, 4 + 4L * i, "dimension " + i + " is " + d[i]);
        }
        size *= d[i];
        if (size > Integer.MAX_VALUE - 8) {
          throw new IdxException(file, 4 + 4L * i, "declared size exceeds 2^31 bytes");
        }
      }
      long dataOffset = 4 + 4L * dims;
      long expected = dataOffset + size;
      boolean fits = gz ? (expected & 0xFFFF_FFFFL) == available : expected == available;
      if (!fits) {
        throw new IdxException(file, dataOffset, "the header declares " + size + " bytes of data, but the file "
            + (gz ? "decompresses to " : "holds ") + Math.max(0, available - dataOffset) + (gz ? " (mod 2^32)" : ""));
      }
      return new Header(d, dataOffset);
    }
  }

  private static DataInputStream open(Path file, Header h) throws IOException {
    DataInputStream in = new DataInputStream(new BufferedInputStream(stream(file, isGzip(file)), 1 << 16));
    in.skipNBytes(h.dataOffset);
    return in;
  }

  private static InputStream stream(Path file, boolean gz) throws IOException {
    InputStream raw = Files.newInputStream(file);
    return gz ? new GZIPInputStream(raw, 1 << 16) : raw;
  }

  private static boolean isGzip(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return in.read() == 0x1f && in.read() == 0x8b;
    }
  }

  /** The uncompressed size mod 2^32, from the gzip trailer (ISIZE, little-endian). */
  private static long gzipSize(Path file, long stored) throws IOException {
    if (stored < 18) {
      throw new IdxException(file, 0, "a gzip file of " + stored + " bytes is truncated");
    }
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
      f.seek(stored - 4);
      long b0 = f.read(), b1 = f.read(), b2 = f.read(), b3 = f.read();
      return b0 | b1 << 8 | b2 << 16 | b3 << 24;
    }
  }

  private static int readInt(DataInputStream in, Path file, long offset) throws IOException {
    try {
      return in.readInt();
    } catch (EOFException e) {
      throw new IdxException(file, offset, "the file ends inside the header");
    }
  }

  private static void readFully(DataInputStream in, byte[] b, Path file, long offset) throws IOException {
    try {
      in.readFully(b);
    } catch (EOFException e) {
      throw new IdxException(file, offset, "the file ends before the data the header declares");
    }
  }
}
