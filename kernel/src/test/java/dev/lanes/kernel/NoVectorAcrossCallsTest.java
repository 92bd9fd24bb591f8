package dev.lanes.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The kernel's allocation rule, checked on its compiled classes: no method takes or returns a
 * vector, mask or shuffle. Such a value, passed to or from a call that C2 does not inline (which
 * depends on the caller's size and profile), is boxed: an allocation per vector, measured at 128
 * bytes per 8 floats. Vectors stay inside one method body; methods pass arrays.
 */
class NoVectorAcrossCallsTest {

  @Test
  void noKernelMethodTakesOrReturnsAVector() throws Exception {
    Path dir = Path.of(Gemm.class.getProtectionDomain().getCodeSource().getLocation().toURI())
        .resolve("dev/lanes/kernel");
    List<String> offenders = new ArrayList<>();
    int methods = 0;
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
        String name = file.getFileName().toString().replace(".class", "");
        Class<?> type = Class.forName("dev.lanes.kernel." + name);
        for (Method m : type.getDeclaredMethods()) {
          if (m.isSynthetic()) {
            continue; // lambdas' bridges
          }
          methods++;
          boolean bad = isVector(m.getReturnType());
          for (Class<?> p : m.getParameterTypes()) {
            bad |= isVector(p);
          }
          if (bad) {
            offenders.add(type.getSimpleName() + "." + m.getName());
          }
        }
      }
    }
    assertTrue(methods > 50, "found the kernel's classes (" + methods + " methods)");
    assertEquals(List.of(), offenders, "methods that pass vectors across a call");
  }

  private static boolean isVector(Class<?> c) {
    return c.getName().startsWith("jdk.incubator.vector.");
  }
}
