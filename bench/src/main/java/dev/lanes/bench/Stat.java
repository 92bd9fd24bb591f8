package dev.lanes.bench;

import java.util.Collection;
import java.util.Locale;
import java.util.function.DoubleUnaryOperator;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.util.ListStatistics;
import org.openjdk.jmh.util.Statistics;

/** A median with its spread (min–max), in the unit the tables print. */
record Stat(double median, double min, double max) {

  /**
   * The median and min–max of {@code s} (every iteration of every fork), each sample converted by
   * {@code f}; a decreasing {@code f} (time → rate) swaps min and max, so min stays the smaller.
   */
  static Stat of(Statistics s, DoubleUnaryOperator f) {
    double a = f.applyAsDouble(s.getMin()), b = f.applyAsDouble(s.getMax());
    return new Stat(f.applyAsDouble(s.getPercentile(50)), Math.min(a, b), Math.max(a, b));
  }

  /** The median and min–max of some values (per-fork ratios, say). */
  static Stat of(Collection<Double> values) {
    ListStatistics s = new ListStatistics();
    values.forEach(s::addValue);
    return of(s, x -> x);
  }

  /** Median bytes allocated per op ({@code -prof gc}), NaN when the GC profiler did not run. */
  static double allocPerOp(RunResult r) {
    Result<?> alloc = r.getSecondaryResults().get("gc.alloc.rate.norm");
    return alloc == null ? Double.NaN : alloc.getStatistics().getPercentile(50);
  }

  /** "68.7 (66.1–70.2)" for {@code format} "%.1f"; only the median when there is no spread. */
  String format(String format) {
    String m = String.format(Locale.ROOT, format, median);
    return min == max ? m : m + " (" + String.format(Locale.ROOT, format, min) + "–"
        + String.format(Locale.ROOT, format, max) + ")";
  }
}
