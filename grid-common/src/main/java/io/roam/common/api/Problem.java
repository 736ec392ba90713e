package io.roam.common.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * An error answer (RFC 9457 problem+json). {@code errors} lists every violation found at once.
 *
 * @param title a short, fixed summary for the status
 * @param detail what went wrong in this request and how to fix it
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Problem(String type, String title, int status, String detail, List<String> errors) {
  public static final String MEDIA_TYPE = "application/problem+json";

  public Problem {
    errors = errors == null ? List.of() : List.copyOf(errors);
  }

  public static Problem of(int status, String title, String detail) {
    return new Problem("about:blank", title, status, detail, List.of());
  }
}
