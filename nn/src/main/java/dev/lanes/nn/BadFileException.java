package dev.lanes.nn;

import java.io.IOException;
import java.nio.file.Path;

/** A file that is not what it claims to be: names the file, the byte offset (−1: the whole file) and why. */
public class BadFileException extends IOException {
  private final Path file;
  private final long offset;

  public BadFileException(Path file, long offset, String reason) {
    super(file + (offset >= 0 ? " at byte " + offset : "") + ": " + reason);
    this.file = file;
    this.offset = offset;
  }

  public Path file() {
    return file;
  }

  /** The byte the problem was found at, or −1 when it concerns the file as a whole. */
  public long offset() {
    return offset;
  }
}
