package io.roam.common.id;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.regex.Pattern;

/** Identifies a job grid-wide: "j" followed by a number handed out by the grid's job counter. */
public record JobId(@JsonValue String value) implements Comparable<JobId> {
  private static final Pattern FORMAT = Pattern.compile("j[1-9][0-9]{0,17}");

  public JobId {
    if (value == null || !FORMAT.matcher(value).matches()) {
      throw new IllegalArgumentException(
          "job id '" + value + "' is not valid: job ids look like j1, j42 (see gridctl ps)");
    }
  }

  @JsonCreator
  public static JobId of(String value) {
    return new JobId(value);
  }

  public static JobId ofNumber(long number) {
    return new JobId("j" + number);
  }

  public long number() {
    return Long.parseLong(value.substring(1));
  }

  @Override
  public int compareTo(JobId other) {
    return Long.compare(number(), other.number());
  }

  @Override
  public String toString() {
    return value;
  }
}
