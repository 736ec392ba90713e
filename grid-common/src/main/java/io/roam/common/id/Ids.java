package io.roam.common.id;

import java.util.regex.Pattern;

/** Shared syntax of every grid identifier: short, lower-case, safe in a znode name and a URL. */
final class Ids {
  static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,39}");

  private Ids() {}

  static String require(String kind, String value) {
    if (value == null || !NAME.matcher(value).matches()) {
      throw new IllegalArgumentException(
          kind
              + " id '"
              + value
              + "' is not valid: use 1 to 40 lower-case letters, digits or '-', starting with a"
              + " letter");
    }
    return value;
  }
}
