package dev.lanes.nn;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CoderResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.apache.commons.csv.DuplicateHeaderMode;

/**
 * Reads data sets from CSV files with a header row (Apache Commons CSV): one label column, chosen
 * by name or by 0-based index (the last column by default), and numeric features in every other
 * column. Class labels may be whole numbers (class = the number) or names (classes in sorted order,
 * or in the order a model file gives). A bad value or row gives a {@link BadFileException} that
 * names the file, the line and the column. Lines are the file's own (1-based, counting blank lines
 * and the lines inside quoted fields); a record is named by the line it starts on.
 */
public final class Csv {
  private Csv() {}

  /** A data set read from CSV, with the names of its feature columns, (classification) of its classes and of its label column. */
  public record Table(Dataset data, List<String> featureNames, List<String> classNames, String labelName) {}

  // spaces around a quoted field are not part of it ("a, \"b\"" is a and b, not a and "b");
  // empty and duplicate header names are let through here and refused by header(), with the column
  private static final CSVFormat FORMAT = CSVFormat.DEFAULT.builder()
      .setHeader().setSkipHeaderRecord(true).setTrim(true).setIgnoreSurroundingSpaces(true).setIgnoreEmptyLines(true)
      .setAllowMissingColumnNames(true).setDuplicateHeaderMode(DuplicateHeaderMode.ALLOW_ALL).get();

  /** A classification set; the label column is a name, a 0-based index, or null for the last column. */
  public static Table classification(Path file, String label) throws IOException {
    return read(file, label, true, null);
  }

  /** A classification set whose labels must be among {@code classNames} (those a model was trained on). */
  public static Table classification(Path file, String label, List<String> classNames) throws IOException {
    return read(file, label, true, classNames);
  }

  /** A regression set with one numeric target column. */
  public static Table regression(Path file, String label) throws IOException {
    return read(file, label, false, null);
  }

  /**
   * Feature rows only (for predictions): the columns named {@code featureNames} in that order when
   * the header has them all, else every column, which must then number {@code featureNames.size()}.
   */
  public static Table features(Path file, List<String> featureNames) throws IOException {
    Floats x = new Floats(file);
    long[] rows = {0};
    Head head = parse(file, h -> {
      List<String> header = h.header();
      int[] cols = header.containsAll(featureNames)
          ? featureNames.stream().mapToInt(header::indexOf).toArray()
          : java.util.stream.IntStream.range(0, header.size()).toArray();
      if (cols.length != featureNames.size()) {
        throw new BadFileException(file, -1, "line " + h.line() + ": the header has " + header.size() + " columns ("
            + ModelFile.abbreviate(String.join(",", header)) + "); the model takes " + featureNames.size()
            + " features" + (featureNames.isEmpty() ? "" : " (" + ModelFile.abbreviate(String.join(",", featureNames)) + ")"));
      }
      return row -> {
        checkWidth(file, row, header.size());
        for (int c : cols) {
          x.add(number(file, row, c, header));
        }
        rows[0]++;
      };
    });
    List<String> names = head.header().containsAll(featureNames) ? featureNames : head.header();
    int n = (int) rows[0], f = Math.max(1, names.size());
    Dataset data = Dataset.regression(x.array(), n, f, new float[n], 1);
    return new Table(data, names, List.of(), "");
  }

  /**
   * The table with its feature columns in the order of {@code featureNames} (a model's), when the
   * file names them all; a file whose feature names are not the model's must have as many columns,
   * taken in order. Data read from a file with its columns shuffled thus meets the model as trained.
   */
  public static Table inOrder(Path file, Table t, List<String> featureNames) throws IOException {
    List<String> have = t.featureNames();
    if (have.equals(featureNames)) {
      return t;
    }
    if (!have.containsAll(featureNames) || have.size() != featureNames.size()) {
      if (have.size() == featureNames.size() && featureNames.stream().noneMatch(have::contains)) {
        return t; // other names altogether (a header-less model's x0, x1, ...): by position
      }
      throw new BadFileException(file, -1, "the feature columns " + ModelFile.abbreviate(have.toString())
          + " are not the model's " + ModelFile.abbreviate(featureNames.toString()));
    }
    Dataset d = t.data();
    int f = d.features, n = d.rows;
    int[] from = featureNames.stream().mapToInt(have::indexOf).toArray();
    float[] x = new float[n * f];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < f; j++) {
        x[i * f + j] = d.x[i * f + from[j]];
      }
    }
    return new Table(d.withFeatures(x), featureNames, t.classNames(), t.labelName());
  }

  /** A record and the line of the file it starts on. */
  private record Row(CSVRecord record, long line) {}

  /** A file's header (its names checked) and the line it is on. */
  private record Head(List<String> header, long line) {}

  /** Takes each record as it is parsed; none is kept. */
  @FunctionalInterface
  private interface Sink {
    void accept(Row row) throws IOException;
  }

  /** The sink for a file, once its header is known. */
  @FunctionalInterface
  private interface Start {
    Sink after(Head head) throws IOException;
  }

  private static Table read(Path file, String label, boolean classify, List<String> known) throws IOException {
    Floats x = new Floats(file), targets = new Floats(file);
    Map<String, Integer> ids = new LinkedHashMap<>(); // distinct labels, in the order first seen
    java.util.stream.IntStream.Builder labelIds = java.util.stream.IntStream.builder();
    int[] y = {0};
    long[] rows = {0};
    Head head = parse(file, h -> {
      List<String> header = h.header();
      if (header.size() < 2) {
        throw new BadFileException(file, -1, "line " + h.line() + ": the header has " + header.size()
            + " column; a data set needs a label column and at least one feature");
      }
      y[0] = labelColumn(file, h, label);
      int width = header.size(), labelAt = y[0];
      return row -> {
        checkWidth(file, row, width);
        for (int c = 0; c < width; c++) {
          if (c != labelAt) {
            x.add(number(file, row, c, header));
          } else if (!classify) {
            targets.add(number(file, row, c, header));
          } else {
            String text = row.record().get(c);
            if (text.isEmpty()) {
              throw new BadFileException(file, -1, "line " + row.line() + ", column " + (c + 1) + " ('" + header.get(c)
                  + "'): the label is empty");
            }
            if (known != null && !known.contains(text)) {
              throw new BadFileException(file, -1, "line " + row.line() + ", column " + (c + 1) + " ('" + header.get(c)
                  + "'): class '" + ModelFile.abbreviate(text) + "' is not one of the model's classes "
                  + ModelFile.abbreviate(known.toString()));
            }
            Integer id = ids.get(text);
            if (id == null) {
              ids.put(text, id = ids.size());
            }
            labelIds.add(id);
          }
        }
        rows[0]++;
      };
    });
    List<String> header = head.header();
    List<String> features = new ArrayList<>(header);
    features.remove(y[0]);
    int n = (int) rows[0], f = header.size() - 1;
    if (!classify) {
      return new Table(Dataset.regression(x.array(), n, f, targets.array(), 1), features, List.of(), header.get(y[0]));
    }
    List<String> distinct = new ArrayList<>(ids.keySet());
    List<String> classes = known != null ? known : classes(distinct.toArray(new String[0]));
    if (classes.size() < 2 && known == null) {
      throw new BadFileException(file, -1, "column '" + header.get(y[0]) + "' holds " + classes.size()
          + " class; a classifier needs at least 2");
    }
    Map<String, Integer> index = new HashMap<>();
    for (int c = 0; c < classes.size(); c++) {
      index.put(classes.get(c), c);
    }
    int[] classOfId = new int[distinct.size()];
    for (int id = 0; id < classOfId.length; id++) {
      classOfId[id] = index.get(distinct.get(id));
    }
    int[] labels = labelIds.build().toArray();
    for (int i = 0; i < n; i++) {
      labels[i] = classOfId[labels[i]];
    }
    return new Table(Dataset.classification(x.array(), n, f, labels, classes.size()), features, classes, header.get(y[0]));
  }

  /** A growing float array, refused past what one Java array holds. */
  private static final class Floats {
    private final Path file;
    private float[] a = new float[1024];
    private int n;

    Floats(Path file) {
      this.file = file;
    }

    void add(float v) throws BadFileException {
      if (n == a.length) {
        a = Arrays.copyOf(a, grow(file, n));
      }
      a[n++] = v;
    }

    float[] array() {
      return Arrays.copyOf(a, n);
    }
  }

  private static int grow(Path file, int n) throws BadFileException {
    if (n >= Integer.MAX_VALUE - 8) {
      throw new BadFileException(file, -1, "more values than one Java array holds (2^31 − 9)");
    }
    return (int) Math.min(Integer.MAX_VALUE - 8, 2L * n);
  }

  /** Whole numbers 0..max as themselves ("0", "1", …), else the distinct names in sorted order. */
  private static List<String> classes(String[] labels) {
    TreeSet<String> distinct = new TreeSet<>(Arrays.asList(labels));
    int max = -1;
    for (String s : distinct) {
      if (!s.matches("\\d{1,6}")) {
        return new ArrayList<>(distinct);
      }
      max = Math.max(max, Integer.parseInt(s));
    }
    List<String> numbered = new ArrayList<>();
    for (int c = 0; c <= max; c++) {
      numbered.add(Integer.toString(c));
    }
    // labels such as "007" would not match their number's name: keep them as names instead
    return numbered.containsAll(distinct) ? numbered : new ArrayList<>(distinct);
  }

  private static int labelColumn(Path file, Head head, String label) throws IOException {
    List<String> header = head.header();
    if (label == null || label.isEmpty()) {
      return header.size() - 1;
    }
    int named = header.indexOf(label);
    if (named >= 0) {
      return named;
    }
    if (label.matches("\\d+")) {
      int i = Integer.parseInt(label);
      if (i < header.size()) {
        return i;
      }
    }
    throw new BadFileException(file, -1, "line " + head.line() + ": no label column '" + label + "'; the header has "
        + ModelFile.abbreviate(String.join(",", header)) + " (give a name or a 0-based index)");
  }

  private static void checkWidth(Path file, Row row, int width) throws IOException {
    if (row.record().size() != width) {
      throw new BadFileException(file, -1, "line " + row.line() + " has " + row.record().size() + " fields; the header has "
          + width);
    }
  }

  private static float number(Path file, Row row, int column, List<String> header) throws IOException {
    String text = row.record().get(column);
    float v;
    try {
      v = Float.parseFloat(text);
    } catch (NumberFormatException e) {
      v = Float.NaN;
      text = "'" + ModelFile.abbreviate(text) + "' is not a number";
    }
    if (!Float.isFinite(v)) {
      throw new BadFileException(file, -1, "line " + row.line() + ", column " + (column + 1) + " ('" + header.get(column)
          + "'): " + (text.endsWith("is not a number") ? text : text + " is not a finite number"));
    }
    return v;
  }

  /**
   * Reads the file: strict UTF-8 (a byte-order mark is dropped), the header's names checked, then
   * every record, with the line it starts on, handed to the sink {@code start} gives for the header
   * as it is parsed (no record is kept: memory is the text and the numbers). The parser's errors
   * (bad quoting) are a BadFileException naming the line the bad record starts on.
   */
  private static Head parse(Path file, Start start) throws IOException {
    String text = utf8(file);
    Lines lines = new Lines(text);
    try (CSVParser p = open(file, text)) {
      long headerLine = lines.firstAfter(0);
      Head head = new Head(header(file, p.getHeaderNames(), headerLine), headerLine);
      Sink sink = start.after(head);
      Iterator<CSVRecord> it = p.iterator();
      while (true) {
        long before = p.getCurrentLineNumber(); // the lines the records so far took (blank ones between included)
        CSVRecord r;
        try {
          if (!it.hasNext()) {
            break;
          }
          r = it.next();
        } catch (UncheckedIOException e) {
          throw new BadFileException(file, -1, "line " + lines.firstAfter(before) + ": " + e.getCause().getMessage());
        } catch (IllegalStateException | IllegalArgumentException e) {
          throw new BadFileException(file, -1, "line " + lines.firstAfter(before) + ": " + e.getMessage());
        }
        sink.accept(new Row(r, lines.firstAfter(before)));
      }
      return head;
    }
  }

  /** The header's names; an empty or repeated name is refused (a column must be named, and once). */
  private static List<String> header(Path file, List<String> names, long line) throws IOException {
    Map<String, Integer> seen = new HashMap<>();
    for (int c = 0; c < names.size(); c++) {
      String name = names.get(c) == null ? "" : names.get(c);
      if (name.isEmpty()) {
        throw new BadFileException(file, -1, "line " + line + ", column " + (c + 1) + ": the header names no column here ("
            + ModelFile.abbreviate(String.join(",", names)) + "); every column needs a name");
      }
      Integer first = seen.putIfAbsent(name, c);
      if (first != null) {
        throw new BadFileException(file, -1, "line " + line + ", column " + (c + 1) + ": the header names '"
            + ModelFile.abbreviate(name) + "' twice (columns " + (first + 1) + " and " + (c + 1) + ")");
      }
    }
    return names;
  }

  /** The file as text: strict UTF-8, a leading byte-order mark dropped. */
  private static String utf8(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out = CharBuffer.allocate(bytes.length); // UTF-8 never gives more chars than bytes
    var decoder = StandardCharsets.UTF_8.newDecoder(); // reports malformed input, replaces nothing
    CoderResult result = decoder.decode(in, out, true);
    if (!result.isError()) {
      result = decoder.flush(out);
    }
    if (result.isError()) {
      out.flip();
      throw new BadFileException(file, in.position(), "line " + Lines.lineAt(out.toString(), out.length())
          + ": not UTF-8 text");
    }
    out.flip();
    if (out.length() > 0 && out.charAt(0) == '\uFEFF') {
      out.position(1);
    }
    return out.toString();
  }

  private static CSVParser open(Path file, String text) throws IOException {
    try {
      return CSVParser.builder().setReader(new StringReader(text)).setFormat(FORMAT).get();
    } catch (IOException e) { // bad quoting in the header (the text is in memory: nothing else fails)
      throw new BadFileException(file, -1, "line " + new Lines(text).firstAfter(0) + ": " + e.getMessage());
    } catch (UncheckedIOException e) {
      throw new BadFileException(file, -1, "line " + new Lines(text).firstAfter(0) + ": " + e.getCause().getMessage());
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new BadFileException(file, -1, "line " + new Lines(text).firstAfter(0) + ": " + e.getMessage());
    }
  }

  /**
   * Line numbers in the text, with line breaks counted as Commons CSV counts them (CR LF, CR or LF
   * each end a line). A cursor that only moves forward, as records come in file order.
   */
  private static final class Lines {
    private final String text;
    private int pos; // the start of line `line`
    private long line = 1;

    Lines(String text) {
      this.text = text;
    }

    /**
     * The first line after line {@code after} that is not empty: where the next record starts, as
     * the parser skips empty lines before it.
     */
    long firstAfter(long after) {
      while (line <= after && pos < text.length()) {
        next();
      }
      while (pos < text.length() && (text.charAt(pos) == '\n' || text.charAt(pos) == '\r')) {
        next();
      }
      return line;
    }

    /** The line the character at {@code at} is on (or would be, at the end of the text). */
    static long lineAt(String text, int at) {
      long line = 1;
      for (int i = 0; i < at; i++) {
        char c = text.charAt(i);
        if (c == '\r' || (c == '\n' && (i == 0 || text.charAt(i - 1) != '\r'))) {
          line++;
        }
      }
      return line;
    }

    private void next() {
      while (pos < text.length()) {
        char c = text.charAt(pos++);
        if (c == '\n') {
          break;
        }
        if (c == '\r') {
          if (pos < text.length() && text.charAt(pos) == '\n') {
            pos++;
          }
          break;
        }
      }
      line++;
    }
  }
}
