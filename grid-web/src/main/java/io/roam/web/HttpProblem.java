package io.roam.web;

import java.util.List;

/** An exception that is answered as a problem with the given status. */
public final class HttpProblem extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int status;
  private final List<String> errors;

  public HttpProblem(int status, String detail) {
    this(status, detail, List.of());
  }

  public HttpProblem(int status, String detail, List<String> errors) {
    super(detail);
    this.status = status;
    this.errors = List.copyOf(errors);
  }

  public int status() {
    return status;
  }

  public List<String> errors() {
    return errors;
  }
}
