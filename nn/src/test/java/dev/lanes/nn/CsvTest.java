package dev.lanes.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.function.Executable;

/** CSV data sets: labels, columns, quoting and line breaks, and bad files named by file, line and column. */
class CsvTest {
  @TempDir
  Path dir;

  private int files;

  private Path file(String text) throws IOException {
    return file(text.getBytes(StandardCharsets.UTF_8));
  }

  private Path file(byte[] bytes) throws IOException {
    Path f = dir.resolve("data" + files++ + ".csv");
    Files.write(f, bytes);
    return f;
  }

  /** The call fails with a BadFileException whose message names the file and holds every piece given. */
  private static BadFileException bad(Path f, Executable call, String... pieces) {
    BadFileException e = assertThrows(BadFileException.class, call);
    assertEquals(f, e.file());
    assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
    for (String piece : pieces) {
      assertTrue(e.getMessage().contains(piece), "'" + piece + "' not in: " + e.getMessage());
    }
    return e;
  }

  // ---- good files

  @Test
  void numericLabelsAreTheirOwnClasses() throws IOException {
    Csv.Table t = Csv.classification(file("a,b,y\n1,2,0\n3.5,-4,2\n5e-3,6,1\n"), null);
    assertEquals(List.of("a", "b"), t.featureNames());
    assertEquals(List.of("0", "1", "2"), t.classNames());
    Dataset d = t.data();
    assertEquals(3, d.rows());
    assertEquals(2, d.features());
    assertEquals(3, d.outputs());
    assertArrayEquals(new float[] {1, 2, 3.5f, -4, 5e-3f, 6}, d.x());
    assertArrayEquals(new int[] {0, 2, 1}, d.labels());
    assertNull(d.targets());

    // 0..max: a class that no row has is still a class (labels keep their numbers)
    Csv.Table gaps = Csv.classification(file("a,y\n1,0\n2,3\n"), null);
    assertEquals(List.of("0", "1", "2", "3"), gaps.classNames());
    assertArrayEquals(new int[] {0, 3}, gaps.data().labels());
    assertEquals(4, gaps.data().outputs());

    // "007" is not the name of class 7: such labels are names
    Csv.Table padded = Csv.classification(file("a,y\n1,007\n2,1\n"), null);
    assertEquals(List.of("007", "1"), padded.classNames());
    assertArrayEquals(new int[] {0, 1}, padded.data().labels());
  }

  @Test
  void namedLabelsAreClassesInSortedOrder() throws IOException {
    Csv.Table t = Csv.classification(file("x1,x2,species\n1,2,virginica\n3,4,setosa\n5,6,versicolor\n7,8,setosa\n"), null);
    assertEquals(List.of("setosa", "versicolor", "virginica"), t.classNames());
    assertArrayEquals(new int[] {2, 0, 1, 0}, t.data().labels());
    assertEquals(3, t.data().outputs());
    assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, t.data().x());
  }

  @Test
  void labelColumnByNameByIndexOrLast() throws IOException {
    Path f = file("a,y,b\n1,0,2\n3,1,4\n");
    for (String label : new String[] {"y", "1"}) {
      Csv.Table t = Csv.classification(f, label);
      assertEquals(List.of("a", "b"), t.featureNames(), label);
      assertArrayEquals(new float[] {1, 2, 3, 4}, t.data().x(), label);
      assertArrayEquals(new int[] {0, 1}, t.data().labels(), label);
    }
    Path last = file("a,b,y\n1,2,0\n3,4,1\n");
    for (String label : new String[] {null, ""}) {
      Csv.Table t = Csv.classification(last, label);
      assertEquals(List.of("a", "b"), t.featureNames());
      assertArrayEquals(new float[] {1, 2, 3, 4}, t.data().x());
      assertArrayEquals(new int[] {0, 1}, t.data().labels());
    }
    Csv.Table first = Csv.classification(file("y,a\n1,5\n0,6\n"), "0");
    assertEquals(List.of("a"), first.featureNames());
    assertArrayEquals(new int[] {1, 0}, first.data().labels());

    // a header name that looks like an index is taken as the name
    Csv.Table named = Csv.classification(file("x,0,y\n0,cat,1\n1,dog,0\n"), "0");
    assertEquals(List.of("x", "y"), named.featureNames());
    assertEquals(List.of("cat", "dog"), named.classNames());
    assertArrayEquals(new float[] {0, 1, 1, 0}, named.data().x());
  }

  @Test
  void quotesCrlfBlankLinesAndWhitespace() throws IOException {
    String text = "\"width, cm\" , \"height\",label\r\n"
        + "\r\n"
        + " 1.5 ,\"2\",\"big, red\"\r\n"
        + "\r\n"
        + "\r\n"
        + "3,  4  ,\" small \"\r\n"
        + "\"5\",6,\"big, red\""; // no line break at the end
    Csv.Table t = Csv.classification(file(text), "label");
    assertEquals(List.of("width, cm", "height"), t.featureNames());
    assertEquals(List.of("big, red", "small"), t.classNames());
    assertArrayEquals(new float[] {1.5f, 2, 3, 4, 5, 6}, t.data().x());
    assertArrayEquals(new int[] {0, 1, 0}, t.data().labels());
  }

  @Test
  void aByteOrderMarkIsNotPartOfTheFirstName() throws IOException {
    // spreadsheets write "UTF-8 CSV" with a byte-order mark
    Csv.Table t = Csv.classification(file("\uFEFFy,a,b\n0,1,2\n1,3,4\n"), "y");
    assertEquals(List.of("a", "b"), t.featureNames());
    assertArrayEquals(new int[] {0, 1}, t.data().labels());
    Csv.Table f = Csv.features(file("\uFEFFa,b\n1,2\n"), List.of("b", "a"));
    assertEquals(List.of("b", "a"), f.featureNames());
    assertArrayEquals(new float[] {2, 1}, f.data().x());
  }

  @Test
  void regressionTargets() throws IOException {
    Csv.Table t = Csv.regression(file("a,price,b\n1,10.25,2\n3,-7e2,4\n"), "price");
    assertEquals(List.of("a", "b"), t.featureNames());
    assertEquals(List.of(), t.classNames());
    Dataset d = t.data();
    assertNull(d.labels());
    assertEquals(1, d.outputs());
    assertArrayEquals(new float[] {10.25f, -700}, d.targets());
    assertArrayEquals(new float[] {1, 2, 3, 4}, d.x());
    assertArrayEquals(new float[] {2, 4}, Csv.regression(file("a,b\n1,2\n3,4\n"), null).data().targets());
  }

  @Test
  void featuresByNameInTheModelsOrder() throws IOException {
    // extra columns (the label, an id) are left out; the model's order, not the file's
    Path f = file("id,c,a,label,b\n100,3,1,x,2\n200,6,4,y,5\n");
    Csv.Table t = Csv.features(f, List.of("a", "b", "c"));
    assertEquals(List.of("a", "b", "c"), t.featureNames());
    assertEquals(List.of(), t.classNames());
    assertEquals(2, t.data().rows());
    assertEquals(3, t.data().features());
    assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, t.data().x());
    // a space before a quoted name does not make the quotes part of it (else the columns would be
    // taken by position, here swapped)
    Csv.Table spaced = Csv.features(file("b, \"a\"\n2,1\n"), List.of("a", "b"));
    assertEquals(List.of("a", "b"), spaced.featureNames());
    assertArrayEquals(new float[] {1, 2}, spaced.data().x());
  }

  @Test
  void featuresByPositionWhenTheNamesAreAbsent() throws IOException {
    Csv.Table t = Csv.features(file("p,q,r\n1,2,3\n4,5,6\n"), List.of("a", "b", "c"));
    assertEquals(List.of("p", "q", "r"), t.featureNames());
    assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, t.data().x());
    // a header with only some of the names is positional too: then it must have as many columns
    Path some = file("a,b\n1,2\n");
    bad(some, () -> Csv.features(some, List.of("a", "b", "c")), "line 1", "2 columns", "takes 3 features", "a,b,c");
    Path wide = file("p,q,r,s\n1,2,3,4\n");
    bad(wide, () -> Csv.features(wide, List.of("a", "b", "c")), "line 1", "4 columns", "takes 3 features");
    // the columns not selected must still be numbers only if selected; the row width is checked always
    Path ragged = file("x,a\n1,2\n3\n");
    bad(ragged, () -> Csv.features(ragged, List.of("a")), "line 3 has 1 fields; the header has 2");
    Path word = file("a,b\n1,2\n3,four\n");
    bad(word, () -> Csv.features(word, List.of("b")), "line 3, column 2 ('b')", "'four' is not a number");
  }

  @Test
  void classesAGivenModelKnows() throws IOException {
    List<String> known = List.of("cat", "dog", "eel");
    // a file may hold only some of them (even one), in any order; the model's indices are kept
    Csv.Table t = Csv.classification(file("w,y\n1,eel\n2,dog\n3,eel\n"), null, known);
    assertEquals(known, t.classNames());
    assertArrayEquals(new int[] {2, 1, 2}, t.data().labels());
    assertEquals(3, t.data().outputs());
    assertArrayEquals(new int[] {0, 0}, Csv.classification(file("w,y\n1,cat\n2,cat\n"), "y", known).data().labels());

    Path f = file("w,y\n1,dog\n\n2,cow\n");
    bad(f, () -> Csv.classification(f, "y", known), "line 4", "column 2 ('y')", "'cow'", "[cat, dog, eel]");
  }

  @Test
  void aFileWithOnlyAHeaderHasNoRows() throws IOException {
    // a classifier's classes come from its rows: none is refused; regression and features give 0 rows
    Path f = file("a,b,y\n");
    bad(f, () -> Csv.classification(f, null), "column 'y' holds 0 class");
    Csv.Table r = Csv.regression(f, null);
    assertEquals(0, r.data().rows());
    assertEquals(2, r.data().features());
    assertEquals(List.of("a", "b"), r.featureNames());
    Csv.Table x = Csv.features(f, List.of("b", "a"));
    assertEquals(0, x.data().rows());
    assertEquals(List.of("b", "a"), x.featureNames());
    // with classes from a model, 0 rows are fine
    assertEquals(0, Csv.classification(f, null, List.of("0", "1")).data().rows());
  }

  // ---- line numbers: the file's own lines, blank ones and those inside quoted fields counted

  @Test
  void lineNumbersCountBlankLines() throws IOException {
    Path f = file("a,b,y\n\n1,2,0\n\n\n3,x,1\n");
    bad(f, () -> Csv.classification(f, null), "line 6, column 2 ('b')", "'x' is not a number");
    Path crlf = file("a,b,y\r\n1,2,0\r\n\r\n3,x,1\r\n");
    bad(crlf, () -> Csv.classification(crlf, null), "line 4, column 2 ('b')");
    Path cr = file("a,b,y\r1,2,0\r\r3,x,1\r"); // old Mac line ends
    bad(cr, () -> Csv.classification(cr, null), "line 4, column 2 ('b')");
    Path before = file("\n\na,b,y\n1,2,0\n3,x,1\n"); // blank lines before the header too
    bad(before, () -> Csv.classification(before, null), "line 5, column 2 ('b')");
    Path width = file("a,b,y\n\n\n1,2,0\n\n3,1\n");
    bad(width, () -> Csv.classification(width, null), "line 6 has 2 fields; the header has 3");
  }

  @Test
  void lineNumbersCountLinesInsideQuotedFields() throws IOException {
    // a record is named by the line it starts on
    Path f = file("a,b,y\n1,2,\"zero\nor nothing\"\n3,x,one\n");
    bad(f, () -> Csv.classification(f, null), "line 4, column 2 ('b')");
    Path start = file("a,b,y\n1,2,\"zero\n\"\n\"3\n\n\",x,one\n");
    bad(start, () -> Csv.classification(start, null), "line 4, column 2 ('b')", "'x' is not a number");
    Path mixed = file("a,b,y\r\n\r\n\"1\",\"2\n\n\",0\r\n\r\n3,4,\"x\r\ny\"\n5,q,1\n");
    bad(mixed, () -> Csv.classification(mixed, null), "line 9, column 2 ('b')", "'q' is not a number");
    Path known = file("a,y\n1,\"c\na\nt\"\n\n2,\"dog\"\n3,\"c\now\"\n");
    bad(known, () -> Csv.classification(known, "y", List.of("c\na\nt", "dog")), "line 7, column 2 ('y')", "class 'c\now'");
  }

  // ---- bad files

  @Test
  void aValueThatIsNotANumber() throws IOException {
    Path f = file("a,b,y\n1,2,0\n3,abc,1\n");
    bad(f, () -> Csv.classification(f, null), "line 3, column 2 ('b')", "'abc' is not a number");
    Path empty = file("a,b,y\n1,,0\n3,4,1\n");
    bad(empty, () -> Csv.classification(empty, null), "line 2, column 2 ('b')", "'' is not a number");
    Path target = file("a,t\n1,2\n3,high\n");
    bad(target, () -> Csv.regression(target, "t"), "line 3, column 2 ('t')", "'high' is not a number");
  }

  @Test
  void aValueThatIsNotFinite() throws IOException {
    String[][] cases = {{"NaN", "line 2"}, {"Infinity", "line 2"}, {"-Infinity", "line 2"}, {"1e39", "line 2"}};
    for (String[] c : cases) {
      Path f = file("a,b,y\n1," + c[0] + ",0\n3,4,1\n");
      bad(f, () -> Csv.classification(f, null), c[1] + ", column 2 ('b')", c[0] + " is not a finite number");
    }
    Path target = file("a,t\n1,2\n\n3,-1e40\n");
    bad(target, () -> Csv.regression(target, null), "line 4, column 2 ('t')", "-1e40 is not a finite number");
  }

  @Test
  void aRowWithTooFewOrTooManyFields() throws IOException {
    Path few = file("a,b,y\n1,2,0\n3,1\n");
    bad(few, () -> Csv.classification(few, null), "line 3 has 2 fields; the header has 3");
    Path many = file("a,b,y\n1,2,0,9\n3,4,1\n");
    bad(many, () -> Csv.regression(many, null), "line 2 has 4 fields; the header has 3");
  }

  @Test
  void aLabelColumnThatIsNotThere() throws IOException {
    Path f = file("a,b,y\n1,2,0\n3,4,1\n");
    bad(f, () -> Csv.classification(f, "label"), "line 1", "no label column 'label'", "a,b,y");
    bad(f, () -> Csv.regression(f, "3"), "line 1", "no label column '3'"); // indices are 0-based
    bad(f, () -> Csv.classification(f, "-1"), "no label column '-1'");
  }

  @Test
  void aHeaderOfOneColumn() throws IOException {
    Path f = file("y\n0\n1\n");
    bad(f, () -> Csv.classification(f, null), "line 1", "the header has 1 column");
    bad(f, () -> Csv.regression(f, "y"), "line 1", "the header has 1 column");
  }

  @Test
  void onlyOneClass() throws IOException {
    Path f = file("a,y\n1,cat\n2,cat\n");
    bad(f, () -> Csv.classification(f, null), "column 'y' holds 1 class; a classifier needs at least 2");
    Path zero = file("a,y\n1,0\n2,0\n");
    bad(zero, () -> Csv.classification(zero, null), "column 'y' holds 1 class");
  }

  @Test
  void duplicateHeaderNames() throws IOException {
    Path f = file("a,b,a,y\n1,2,3,0\n4,5,6,1\n");
    bad(f, () -> Csv.classification(f, null), "line 1, column 3", "'a' twice (columns 1 and 3)");
    bad(f, () -> Csv.features(f, List.of("a", "b")), "line 1, column 3", "'a' twice");
    Path trimmed = file("a, a ,y\n1,2,0\n"); // names are trimmed before they are compared
    bad(trimmed, () -> Csv.regression(trimmed, null), "line 1, column 2", "'a' twice");
  }

  @Test
  void emptyHeaderNames() throws IOException {
    // Commons CSV refuses these by default; Csv refuses them itself, naming the column
    Path f = file("a,,y\n1,2,0\n3,4,1\n");
    bad(f, () -> Csv.classification(f, null), "line 1, column 2", "every column needs a name");
    Path last = file("a,b,\n1,2,0\n");
    bad(last, () -> Csv.regression(last, null), "line 1, column 3", "every column needs a name");
    Path blank = file("\"\",a,y\n1,2,0\n"); // pandas writes an unnamed index column so
    bad(blank, () -> Csv.features(blank, List.of("a")), "line 1, column 1", "every column needs a name");
  }

  @Test
  void anUnterminatedQuote() throws IOException {
    Path f = file("a,b,y\n1,2,0\n\n3,\"4,1\n5,6,1\n");
    bad(f, () -> Csv.classification(f, null), "line 4: ", "EOF");
    Path junk = file("a,b,y\n1,2,0\n3,\"4\"x,1\n");
    bad(junk, () -> Csv.classification(junk, null), "line 3: ", "Invalid character");
    Path header = file("a,\"b,y\n1,2,0\n");
    bad(header, () -> Csv.classification(header, null), "line 1: ", "EOF");
  }

  @Test
  void aFileThatIsNotUtf8() throws IOException {
    // UTF-16 with its byte-order mark: decoding is strict, nothing is replaced and read as text
    Path utf16 = file("a,y\n1,0\n2,1\n".getBytes(StandardCharsets.UTF_16LE));
    byte[] bytes = Files.readAllBytes(utf16);
    byte[] marked = new byte[bytes.length + 2];
    marked[0] = (byte) 0xff;
    marked[1] = (byte) 0xfe;
    System.arraycopy(bytes, 0, marked, 2, bytes.length);
    Path f = file(marked);
    BadFileException e = bad(f, () -> Csv.classification(f, null), "not UTF-8 text", "line 1");
    assertEquals(0, e.offset());
    bad(f, () -> Csv.features(f, List.of("a")), "not UTF-8 text");

    // Latin-1 far into the file (past any reader's first buffer): the byte and its line
    String text = "a,y\n" + "1,0\n".repeat(5000) + "\u00e9,1\n";
    Path late = file(text.getBytes(StandardCharsets.ISO_8859_1));
    BadFileException l = bad(late, () -> Csv.classification(late, null), "line 5002: not UTF-8 text", "at byte 20004");
    assertEquals(20004, l.offset());
  }

  @Test
  void anEmptyFile() throws IOException {
    Path f = file("");
    bad(f, () -> Csv.classification(f, null), "line 1", "the header has 0 column");
    bad(f, () -> Csv.regression(f, null), "the header has 0 column");
    bad(f, () -> Csv.features(f, List.of("a")), "the header has 0 columns", "takes 1 features");
    Path blank = file("\n\r\n\n");
    bad(blank, () -> Csv.classification(blank, null), "the header has 0 column");
  }
}
