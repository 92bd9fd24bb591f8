package dev.lanes.nn;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The small JSON documents a model file's metadata holds (architecture, training state), as plain
 * maps, lists, strings, numbers and booleans, over Jackson's streaming core. Numbers are read as
 * {@link BigDecimal}, exact, so a float or double written here reads back to the same bits.
 */
final class Json {
  private Json() {}

  /** Strict about duplicate keys: a header or document naming a key twice is refused. */
  static final JsonFactory FACTORY = JsonFactory.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

  static String write(Map<String, ?> document) {
    StringWriter s = new StringWriter();
    try (JsonGenerator g = FACTORY.createGenerator(s)) {
      value(g, document);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringWriter does not fail
    }
    return s.toString();
  }

  private static void value(JsonGenerator g, Object v) throws IOException {
    switch (v) {
      case null -> g.writeNull();
      case String s -> g.writeString(s);
      case Float f -> g.writeNumber(f); // Float.toString: the shortest decimal that reads back exactly
      case Double d -> g.writeNumber(d);
      case Integer i -> g.writeNumber(i);
      case Long l -> g.writeNumber(l);
      case Boolean b -> g.writeBoolean(b);
      case List<?> list -> {
        g.writeStartArray();
        for (Object o : list) {
          value(g, o);
        }
        g.writeEndArray();
      }
      case Map<?, ?> map -> {
        g.writeStartObject();
        for (Map.Entry<?, ?> e : map.entrySet()) {
          g.writeFieldName((String) e.getKey());
          value(g, e.getValue());
        }
        g.writeEndObject();
      }
      default -> throw new IllegalArgumentException("Json: cannot write a " + v.getClass().getName());
    }
  }

  /** The document as maps (in order), lists, strings, BigDecimals, booleans and nulls. */
  static Object parse(String text) throws IOException {
    try (JsonParser p = FACTORY.createParser(text)) {
      Object v = read(p, p.nextToken());
      if (p.nextToken() != null) {
        throw new IOException("content after the JSON value");
      }
      return v;
    }
  }

  private static Object read(JsonParser p, JsonToken t) throws IOException {
    if (t == null) {
      throw new IOException("no JSON value");
    }
    return switch (t) {
      case START_OBJECT -> {
        Map<String, Object> map = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String key = p.currentName();
          map.put(key, read(p, p.nextToken()));
        }
        yield map;
      }
      case START_ARRAY -> {
        List<Object> list = new ArrayList<>();
        for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
          list.add(read(p, e));
        }
        yield list;
      }
      case VALUE_STRING -> p.getText();
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> number(p.getText());
      case VALUE_TRUE -> true;
      case VALUE_FALSE -> false;
      case VALUE_NULL -> null;
      default -> throw new IOException("unexpected " + t);
    };
  }

  private static BigDecimal number(String text) throws IOException {
    try {
      return new BigDecimal(text);
    } catch (NumberFormatException e) { // e.g. an exponent beyond an int: 1e9999999999
      throw new IOException("number " + ModelFile.abbreviate(text) + " is out of range");
    }
  }

  /** Typed access to a parsed object, with errors that name the missing or wrong field. */
  static final class Obj {
    private final String what;
    private final Map<?, ?> map;

    Obj(String what, Object parsed) throws IOException {
      if (!(parsed instanceof Map<?, ?> m)) {
        throw new IOException(what + " is not a JSON object");
      }
      this.what = what;
      this.map = m;
    }

    private Object get(String key) throws IOException {
      Object v = map.get(key);
      if (v == null) {
        throw new IOException(what + " lacks '" + key + "'");
      }
      return v;
    }

    boolean has(String key) {
      return map.get(key) != null;
    }

    String string(String key) throws IOException {
      if (!(get(key) instanceof String s)) {
        throw new IOException(what + "." + key + " is not a string");
      }
      return s;
    }

    private BigDecimal number(String key) throws IOException {
      if (!(get(key) instanceof BigDecimal d)) {
        throw new IOException(what + "." + key + " is not a number");
      }
      return d;
    }

    float floatValue(String key) throws IOException {
      return Float.parseFloat(number(key).toString());
    }

    double doubleValue(String key) throws IOException {
      return Double.parseDouble(number(key).toString());
    }

    long longValue(String key) throws IOException {
      try {
        return number(key).longValueExact();
      } catch (ArithmeticException e) {
        throw new IOException(what + "." + key + " is not a whole number in range");
      }
    }

    int intValue(String key) throws IOException {
      long v = longValue(key);
      if (v != (int) v) {
        throw new IOException(what + "." + key + " = " + v + " is out of range");
      }
      return (int) v;
    }

    List<Obj> objects(String key) throws IOException {
      if (!(get(key) instanceof List<?> list)) {
        throw new IOException(what + "." + key + " is not an array");
      }
      List<Obj> out = new ArrayList<>();
      for (int i = 0; i < list.size(); i++) {
        out.add(new Obj(what + "." + key + "[" + i + "]", list.get(i)));
      }
      return out;
    }

    List<String> strings(String key) throws IOException {
      if (!(get(key) instanceof List<?> list)) {
        throw new IOException(what + "." + key + " is not an array");
      }
      List<String> out = new ArrayList<>();
      for (Object o : list) {
        if (!(o instanceof String s)) {
          throw new IOException(what + "." + key + " holds a non-string");
        }
        out.add(s);
      }
      return out;
    }

    float[] floats(String key) throws IOException {
      if (!(get(key) instanceof List<?> list)) {
        throw new IOException(what + "." + key + " is not an array");
      }
      float[] out = new float[list.size()];
      for (int i = 0; i < out.length; i++) {
        if (!(list.get(i) instanceof BigDecimal d)) {
          throw new IOException(what + "." + key + "[" + i + "] is not a number");
        }
        out[i] = Float.parseFloat(d.toString());
      }
      return out;
    }

    Obj object(String key) throws IOException {
      return new Obj(what + "." + key, get(key));
    }
  }
}
