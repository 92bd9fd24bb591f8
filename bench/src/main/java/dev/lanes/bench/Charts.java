package dev.lanes.bench;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;

/** The report's charts (XChart), written as PNG without a display. */
final class Charts {
  private Charts() {}

  private static final int WIDTH = 960, HEIGHT = 560;
  /** Bar colours: Lanes in blues, its peer in oranges, a darker shade per further series. */
  private static final Color[] LANES = {new Color(0x6baed6), new Color(0x2171b5), new Color(0x08306b)};
  private static final Color[] PEER = {new Color(0xfdae6b), new Color(0xe6550d), new Color(0xa63603)};

  static {
    System.setProperty("java.awt.headless", "true"); // before XChart touches AWT
  }

  /** Points against a logarithmic x axis. */
  static XYChart xy(String title, String x, String y) {
    XYChart c = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(x).yAxisTitle(y).build();
    style(c.getStyler());
    c.getStyler().setXAxisLogarithmic(true);
    return c;
  }

  /** Grouped bars, one group per category, on a logarithmic y axis (samples/s span 1000×). */
  static CategoryChart bars(String title, String y) {
    CategoryChart c = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title).yAxisTitle(y).build();
    style(c.getStyler());
    c.getStyler().setYAxisLogarithmic(true);
    c.getStyler().setXAxisLabelRotation(20);
    return c;
  }

  /**
   * One bar series over {@code categories}; none if a value is missing (null). Bars start at the
   * power of ten below the smallest value: a log axis has no zero.
   */
  static void bars(CategoryChart chart, String series, List<String> categories, List<Double> values) {
    if (values.isEmpty() || values.stream().anyMatch(Objects::isNull)) {
      return;
    }
    boolean lanes = series.startsWith("Lanes");
    long before = chart.getSeriesMap().keySet().stream().filter(name -> name.startsWith("Lanes") == lanes).count();
    chart.addSeries(series, categories, values).setFillColor(colour(lanes, (int) before));
    double floor = Math.pow(10, Math.floor(Math.log10(values.stream().mapToDouble(v -> v).min().orElseThrow())));
    Double min = chart.getStyler().getYAxisMin();
    chart.getStyler().setYAxisMin(min == null ? floor : Math.min(min, floor));
  }

  /** Lanes in blues, its peer in oranges; {@code index}: the how-many-th series of its side, a darker shade each. */
  static Color colour(boolean lanes, int index) {
    Color[] shades = lanes ? LANES : PEER;
    return shades[index % shades.length];
  }

  private static void style(Styler s) {
    s.setChartBackgroundColor(Color.WHITE);
    s.setLegendPosition(Styler.LegendPosition.OutsideS);
    s.setLegendLayout(Styler.LegendLayout.Horizontal);
  }

  static void write(Chart<?, ?> chart, Path png) throws IOException {
    Files.write(png, BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG));
  }
}
