package dev.lanes.bench;

import java.io.IOException;
import java.nio.file.Path;
import org.knowm.xchart.internal.chartpart.Chart;

/**
 * What one suite's run gives back: its title, how it was measured, its tables, and its chart
 * ({@code NAME.png}; null if it has none).
 */
record Section(String name, String title, String settings, String tables, Chart<?, ?> chart) {

  /** The section as Markdown; writes the chart beside {@code md} and links it. */
  String markdown(Path dir) throws IOException {
    StringBuilder sb = new StringBuilder("## ").append(title).append("\n\n").append(settings).append("\n\n")
        .append(tables.strip()).append('\n');
    if (chart != null) {
      Charts.write(chart, dir.resolve(name + ".png"));
      sb.append("\n![").append(title).append("](").append(name).append(".png)\n");
    }
    return sb.toString();
  }
}
