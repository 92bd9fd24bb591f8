package dev.lanes.cli;

import dev.lanes.nn.Checkpoint;
import dev.lanes.nn.DataSchema;
import dev.lanes.nn.ModelFile;
import dev.lanes.nn.Network;
import dev.lanes.nn.Transform;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code lanes inspect}: what a model file or checkpoint holds. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
    description = "Shows a model file's or checkpoint's architecture, parameter count and metadata.")
final class InspectCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(paramLabel = "FILE", description = "A model file or checkpoint (safetensors).")
  Path file;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    ModelFile.Model m = ModelFile.read(file);
    Network net = m.network();
    Map<String, String> meta = m.metadata();
    out.printf(Locale.ROOT, "%s (%,d bytes, format version %s)%n", file, Files.size(file), meta.get("lanes.format_version"));
    out.printf(Locale.ROOT, "architecture  %s%n", net);
    out.printf(Locale.ROOT, "parameters    %,d (%d inputs, %d outputs)%n", net.parameterCount(), net.inputs(), net.outputs());
    DataSchema schema = m.schema(file);
    if (schema != null) {
      out.printf(Locale.ROOT, "features      %s%n", printable(list(schema.features())));
      if (!schema.classes().isEmpty()) {
        out.printf(Locale.ROOT, "classes       %s%n", printable(list(schema.classes())));
      }
    }
    out.printf(Locale.ROOT, "input scaling %s%n", m.transform(file));
    if (meta.containsKey("lanes.training")) {
      Checkpoint c = Checkpoint.load(file);
      out.printf(Locale.ROOT, "checkpoint    step %d, seed %d%n", c.step(), c.seed());
      out.printf(Locale.ROOT, "training      %s%n", meta.get("lanes.training"));
    }
    for (Map.Entry<String, String> e : meta.entrySet()) {
      String k = e.getKey();
      if (!k.startsWith("lanes.") && !k.equals("format") || k.startsWith("lanes.cli.")) {
        String v = e.getValue().length() > 200 ? e.getValue().substring(0, 197) + "..." : e.getValue();
        out.printf(Locale.ROOT, "%-13s %s%n", printable(k), printable(v));
      }
    }
    out.flush();
    return 0;
  }

  /** A file's text with control characters (terminal escapes among them) shown as '?'. */
  private static String printable(String s) {
    return s.replaceAll("\\p{Cntrl}", "?");
  }

  private static String list(List<String> names) {
    String all = names.size() + ": " + String.join(", ", names.subList(0, Math.min(12, names.size())));
    return names.size() > 12 ? all + ", …" : all;
  }
}
