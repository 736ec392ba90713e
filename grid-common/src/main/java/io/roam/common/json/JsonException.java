package io.roam.common.json;

import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;

/** A payload that is not what it should be, with a message a person can act on. */
public final class JsonException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  JsonException(Class<?> type, Exception cause) {
    super(describe(type, cause), cause);
  }

  private static String describe(Class<?> type, Exception cause) {
    String what = "invalid " + type.getSimpleName();
    if (cause instanceof UnrecognizedPropertyException u) {
      return what + ": unknown field '" + u.getPropertyName() + "'";
    }
    if (cause instanceof JsonMappingException m) {
      Throwable root = m;
      while (root.getCause() != null) {
        root = root.getCause();
      }
      String path = m.getPathReference();
      String field = path == null ? "" : " at " + path.replaceAll("^[^\\[]*", "");
      if (root instanceof IllegalArgumentException || root instanceof NullPointerException) {
        return what + field + ": " + root.getMessage();
      }
      return what + field + ": " + m.getOriginalMessage();
    }
    return what + ": " + cause.getMessage();
  }
}
