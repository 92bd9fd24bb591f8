package dev.lanes.cli;

import dev.lanes.nn.EpochResult;
import dev.lanes.nn.TrainingListener;
import java.io.PrintWriter;
import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Shows a training run to a person: on a terminal a live bar per epoch (samples/s, running loss,
 * ETA), and in every case one line per epoch with its metrics.
 */
final class Progress implements TrainingListener {
  private final PrintWriter out;
  private final boolean terminal;
  private final int rows, batch, epochs;
  private ProgressBar bar;
  private int barEpoch = -1;
  private long done;
  private double lossSum;
  private int steps;
  private long shownAt;

  Progress(PrintWriter out, boolean terminal, int rows, int batch, int epochs) {
    this.out = out;
    this.terminal = terminal;
    this.rows = rows;
    this.batch = batch;
    this.epochs = epochs;
  }

  /** True when stdout is a terminal a bar can redraw (not a file, a pipe or a CI log). */
  static boolean isTerminal() {
    java.io.Console c = System.console();
    if (c == null) {
      return false;
    }
    try { // JDK 22+: a console may exist without a terminal behind it
      return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(c);
    } catch (ReflectiveOperationException e) {
      return true;
    }
  }

  @Override
  public boolean onStep(int epoch, long step, float loss) {
    if (epoch != barEpoch) {
      closeBar();
      barEpoch = epoch;
      done = 0;
      lossSum = 0;
      steps = 0;
      if (terminal) {
        bar = new ProgressBarBuilder().setTaskName(String.format(Locale.ROOT, "epoch %d/%d", epoch + 1, epochs))
            .setInitialMax(rows).setUnit(" samples", 1).showSpeed().setStyle(ProgressBarStyle.ASCII)
            .setUpdateIntervalMillis(250).continuousUpdate().build();
      }
    }
    long samples = Math.max(0, Math.min(batch, rows - done));
    done += samples;
    lossSum += loss;
    steps++;
    if (bar != null) {
      bar.stepTo(Math.min(rows, done));
      long now = System.nanoTime();
      if (now - shownAt > 100_000_000L) { // the bar redraws 4 times a second: format no more often than that
        shownAt = now;
        bar.setExtraMessage(String.format(Locale.ROOT, " | loss %.4f", lossSum / steps));
      }
    }
    return true;
  }

  @Override
  public boolean onEpoch(EpochResult r) {
    closeBar();
    out.printf(Locale.ROOT, "epoch %3d/%d  train loss %.4f%s  %.1f s  %.0f samples/s%n", r.epoch() + 1, epochs,
        r.trainLoss(), Float.isNaN(r.validationLoss()) ? "" : String.format(Locale.ROOT, "  val loss %.4f%s",
            r.validationLoss(), Float.isNaN(r.validationAccuracy()) ? ""
                : String.format(Locale.ROOT, "  val accuracy %.2f%%", 100 * r.validationAccuracy())),
        r.seconds(), done / r.seconds());
    out.flush();
    return true;
  }

  void closeBar() {
    if (bar != null) {
      bar.close();
      bar = null;
    }
  }
}
