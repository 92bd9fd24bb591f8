package dev.lanes.bench;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * One JMH run of some benchmark classes, with the GC profiler (bytes allocated per op), into
 * {@code NAME.json}; {@code params} narrows @Param values (a name no class declares is ignored);
 * {@code forkFlags} go to every forked JVM before the benchmarks' own.
 */
record JmhRun(String name, Settings settings, Map<String, String[]> params, List<Class<?>> benchmarks,
              List<String> forkFlags) {

  JmhRun(String name, Settings settings, Map<String, String[]> params, List<Class<?>> benchmarks) {
    this(name, settings, params, benchmarks, List.of());
  }

  Collection<RunResult> run(Path dir) throws RunnerException {
    ChainedOptionsBuilder opt = new OptionsBuilder().addProfiler(GCProfiler.class)
        .resultFormat(ResultFormatType.JSON)
        .result(dir.resolve(name + ".json").toString());
    if (!forkFlags.isEmpty()) {
      opt.jvmArgsPrepend(forkFlags.toArray(new String[0]));
    }
    benchmarks.forEach(b -> opt.include(b.getName() + "\\."));
    params.forEach(opt::param);
    return new Runner(settings.apply(opt).build()).run();
  }

  /** Estimated wall time. */
  double seconds() {
    return settings.seconds(cells());
  }

  /**
   * Cells (benchmark methods × parameter combinations), counting every @Param of a class and its
   * nested state classes for every method, so a method that uses fewer states is overcounted.
   */
  long cells() {
    long cells = 0;
    for (Class<?> b : benchmarks) {
      long methods = 0, combinations = 1;
      for (Method m : b.getMethods()) {
        methods += m.isAnnotationPresent(Benchmark.class) ? 1 : 0;
      }
      for (Class<?> c : withNested(b)) {
        for (Field f : c.getFields()) {
          Param p = f.getAnnotation(Param.class);
          if (p != null) {
            combinations *= params.getOrDefault(f.getName(), p.value()).length;
          }
        }
      }
      cells += methods * combinations;
    }
    return cells;
  }

  private static List<Class<?>> withNested(Class<?> b) {
    List<Class<?>> all = new java.util.ArrayList<>(List.of(b.getDeclaredClasses()));
    all.add(b);
    return all;
  }

  /**
   * The values of the @Param field {@code field} of {@code bench} or its nested state classes that
   * match {@code regex}; all if it is null.
   */
  static String[] matching(Class<?> bench, String field, String regex) {
    String[] all = null;
    for (Class<?> c : withNested(bench)) {
      try {
        Param p = c.getField(field).getAnnotation(Param.class);
        all = p == null ? all : p.value();
      } catch (NoSuchFieldException e) {
        // not in this class
      }
    }
    if (all == null) {
      throw new IllegalArgumentException(bench + " has no @Param " + field);
    }
    return regex == null ? all : java.util.Arrays.stream(all).filter(v -> v.matches(regex)).toArray(String[]::new);
  }
}
