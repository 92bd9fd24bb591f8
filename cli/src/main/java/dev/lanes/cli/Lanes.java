package dev.lanes.cli;

import dev.lanes.nn.TrainingException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.util.Arrays;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code lanes} command: train, eval, predict, inspect. Errors are one line on stderr (a stack
 * trace only with {@code --verbose}) and an exit code that says what kind of error it was.
 */
@Command(name = "lanes", mixinStandardHelpOptions = true, version = "lanes 0.1.0",
    description = "Trains neural networks on the CPU, evaluates them and serves their predictions.",
    subcommands = {TrainCommand.class, EvalCommand.class, PredictCommand.class, InspectCommand.class,
        CommandLine.HelpCommand.class},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:done", "1:an unexpected error (a bug: run again with --verbose and report it)",
        "2:bad options", "3:a bad or missing file (data, model, checkpoint)",
        "4:training diverged (NaN or Inf); the last checkpoint is kept",
        "130:interrupted (Ctrl-C); train saves a checkpoint first"})
public final class Lanes implements Runnable {
  static final int BAD_OPTIONS = 2, BAD_FILE = 3, DIVERGED = 4;

  @Option(names = "--verbose", description = "Print the stack trace of an error.")
  boolean verbose;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(new CommandLine(this), "name a command: train, eval, predict or inspect");
  }

  public static void main(String[] args) {
    System.setProperty("java.awt.headless", "true"); // charts are drawn off screen
    System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Runs the command line; returns the exit code. */
  static int run(String[] args, PrintWriter out, PrintWriter err) {
    boolean verbose = Arrays.asList(args).contains("--verbose");
    CommandLine cl = new CommandLine(new Lanes());
    cl.setOut(out).setErr(err);
    cl.setParameterExceptionHandler((e, a) -> {
      CommandLine c = e.getCommandLine();
      err.println(c.getCommandSpec().qualifiedName() + ": " + e.getMessage() + " (see '" + c.getCommandSpec().qualifiedName()
          + " --help')");
      return BAD_OPTIONS;
    });
    cl.setExecutionExceptionHandler((e, c, parsed) -> {
      err.println(c.getCommandSpec().qualifiedName() + ": " + message(e));
      if (verbose) {
        e.printStackTrace(err);
      }
      err.flush();
      return code(e);
    });
    return cl.execute(args);
  }

  private static String message(Exception e) {
    if (e instanceof NoSuchFileException n) {
      return "no such file: " + n.getFile();
    }
    String m = e.getMessage();
    return m != null ? m : e.getClass().getSimpleName() + " (run again with --verbose)";
  }

  private static int code(Exception e) {
    if (e instanceof TrainingException) {
      return DIVERGED;
    }
    if (e instanceof IOException) {
      return BAD_FILE;
    }
    if (e instanceof IllegalArgumentException || e instanceof IllegalStateException) {
      return BAD_OPTIONS;
    }
    return CommandLine.ExitCode.SOFTWARE;
  }
}
