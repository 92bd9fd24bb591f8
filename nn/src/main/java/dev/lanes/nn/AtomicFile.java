package dev.lanes.nn;

import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Replaces a file so that a crash at any moment leaves either the old file or the new one, never a
 * torn one: the new content goes to a temporary file in the same folder, is forced to disk, and is
 * renamed over the target (rename is atomic within a file system); then the folder is forced, so
 * the rename itself survives a power cut.
 */
public final class AtomicFile {
  private AtomicFile() {}

  /** Writes the new content of a file to the channel it is given. */
  @FunctionalInterface
  public interface Content {
    void writeTo(FileChannel out) throws IOException;
  }

  /** Replaces {@code target} with what {@code content} writes; on failure the target is untouched. */
  public static void write(Path target, Content content) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Path tmp = dir.resolve("." + target.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
    try {
      try (FileChannel out = FileChannel.open(tmp, CREATE_NEW, WRITE)) {
        content.writeTo(out);
        out.force(true);
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException | RuntimeException | Error e) {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    forceDirectory(dir);
  }

  /** Replaces {@code target} with these bytes. */
  public static void write(Path target, byte[] bytes) throws IOException {
    write(target, out -> {
      java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes);
      while (b.hasRemaining()) {
        out.write(b);
      }
    });
  }

  /** Makes the folder's entries (the rename) durable; not every platform can open a folder, so best effort. */
  private static void forceDirectory(Path dir) {
    try (FileChannel d = FileChannel.open(dir, READ)) {
      d.force(true);
    } catch (IOException | UnsupportedOperationException notSupported) {
      // Windows cannot open a folder as a channel; its rename is durable once it returns
    }
  }
}
