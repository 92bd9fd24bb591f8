package dev.lanes.cli;

import dev.lanes.nn.AtomicFile;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The run's curves as one PNG: loss (training, validation) beside validation accuracy, per epoch. */
final class Chart {
  private Chart() {}

  private static final int WIDTH = 640, HEIGHT = 420;

  static void write(Path file, List<Metrics.Row> rows, String title) throws IOException {
    double[] epochs = rows.stream().mapToDouble(Metrics.Row::epoch).toArray();
    XYChart loss = chart(title + ": loss", "loss");
    series(loss, "training", epochs, rows.stream().mapToDouble(Metrics.Row::trainLoss).toArray());
    series(loss, "validation", epochs, rows.stream().mapToDouble(Metrics.Row::valLoss).toArray());
    XYChart accuracy = chart(title + ": validation accuracy", "accuracy");
    series(accuracy, "validation", epochs, rows.stream().mapToDouble(Metrics.Row::valAccuracy).toArray());
    boolean both = !accuracy.getSeriesMap().isEmpty(); // a regression has no accuracy
    BufferedImage image = new BufferedImage(both ? 2 * WIDTH : WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, image.getWidth(), HEIGHT);
      loss.paint(g, WIDTH, HEIGHT);
      if (both) {
        g.translate(WIDTH, 0);
        accuracy.paint(g, WIDTH, HEIGHT);
      }
    } finally {
      g.dispose();
    }
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    ImageIO.write(image, "png", png);
    AtomicFile.write(file, png.toByteArray());
  }

  private static XYChart chart(String title, String y) {
    XYChart c = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle("epoch").yAxisTitle(y).build();
    c.getStyler().setChartBackgroundColor(Color.WHITE);
    c.getStyler().setLegendVisible(true);
    c.getStyler().setXAxisDecimalPattern("#");
    return c;
  }

  /** Adds a series of the finite points (a metric not measured is left out). */
  private static void series(XYChart chart, String name, double[] x, double[] y) {
    int n = 0;
    double[] fx = new double[x.length], fy = new double[y.length];
    for (int i = 0; i < x.length; i++) {
      if (Double.isFinite(y[i])) {
        fx[n] = x[i];
        fy[n++] = y[i];
      }
    }
    if (n > 0) {
      XYSeries s = chart.addSeries(name, java.util.Arrays.copyOf(fx, n), java.util.Arrays.copyOf(fy, n));
      s.setMarker(SeriesMarkers.CIRCLE);
    }
  }
}
