package io.roam.web;

import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validator;
import jakarta.validation.ValidatorFactory;
import java.util.Comparator;
import java.util.List;
import org.hibernate.validator.HibernateValidator;
import org.hibernate.validator.messageinterpolation.ParameterMessageInterpolator;

/** Checks request records against their constraint annotations, reporting every violation. */
public final class Validation {
  private static final ValidatorFactory FACTORY =
      jakarta.validation.Validation.byProvider(HibernateValidator.class)
          .configure()
          .messageInterpolator(new ParameterMessageInterpolator())
          .buildValidatorFactory();
  private static final Validator VALIDATOR = FACTORY.getValidator();

  private Validation() {}

  /** Every violation as "path: message", sorted; empty when the value is valid. */
  public static List<String> violations(Object value) {
    return VALIDATOR.validate(value).stream()
        .sorted(Comparator.comparing((ConstraintViolation<?> v) -> v.getPropertyPath().toString()))
        .map(Validation::describe)
        .toList();
  }

  /**
   * @throws HttpProblem 400 listing every violation in {@code errors}
   */
  public static <T> T require(T value) {
    List<String> errors = violations(value);
    if (!errors.isEmpty()) {
      throw new HttpProblem(
          400,
          "invalid "
              + value.getClass().getSimpleName()
              + ": "
              + errors.size()
              + (errors.size() == 1 ? " problem" : " problems")
              + " (see errors)",
          errors);
    }
    return value;
  }

  private static String describe(ConstraintViolation<?> v) {
    String path = v.getPropertyPath().toString();
    // Class-level checks are boolean accessors named isSomething: report them on the object.
    if (path.matches("(.*\\.)?[a-zA-Z]+")
        && v.getConstraintDescriptor().getAnnotation()
            instanceof jakarta.validation.constraints.AssertTrue) {
      int dot = path.lastIndexOf('.');
      path = dot < 0 ? "" : path.substring(0, dot);
    }
    return path.isEmpty() ? v.getMessage() : path + ": " + v.getMessage();
  }
}
