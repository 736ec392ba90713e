package io.roam.agent.migration;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fault injection for tests of agent recovery: kills the agent at a named step of a migration.
 * Unarmed in production. A test arms it for an agent process with {@code
 * -Droam.agent.fault=SOURCE_AFTER_DUMP[,...]} (the JVM halts there, as if killed), or in-process
 * with {@link #throwing} (an {@link AgentKilled} error unwinds the migration without any of its
 * clean-up, as a killed process would leave things).
 */
public final class FaultPoints {
  private static final Logger LOG = LoggerFactory.getLogger(FaultPoints.class);
  public static final String PROPERTY = "roam.agent.fault";

  public enum Step {
    /** Source: the job is dumped and stopped, nothing sent yet. */
    SOURCE_AFTER_DUMP,
    /** Source: the record names the target; the target has not been told, the copy here lives. */
    SOURCE_AFTER_COMMIT,
    /** Target: the job is restored here, stopped; PREPARED not sent. */
    TARGET_BEFORE_PREPARED,
    /** Target: PREPARED sent; the commit not received. */
    TARGET_BEFORE_COMMIT
  }

  /** The agent "died" here (in-process tests only). */
  public static final class AgentKilled extends Error {
    private static final long serialVersionUID = 1L;

    AgentKilled(Step step) {
      super("agent killed at " + step);
    }
  }

  public static final FaultPoints NONE = new FaultPoints(EnumSet.noneOf(Step.class), false);

  private final Set<Step> armed;
  private final boolean halt;

  private FaultPoints(Set<Step> armed, boolean halt) {
    this.armed = Set.copyOf(armed);
    this.halt = halt;
  }

  /** In-process: reaching an armed step throws {@link AgentKilled}. */
  public static FaultPoints throwing(Step... steps) {
    EnumSet<Step> set = EnumSet.noneOf(Step.class);
    set.addAll(Arrays.asList(steps));
    return new FaultPoints(set, false);
  }

  /**
   * From {@value #PROPERTY}: the JVM halts at the steps named.
   *
   * @throws IllegalArgumentException naming the valid steps if one is unknown
   */
  public static FaultPoints fromSystemProperties() {
    String value = System.getProperty(PROPERTY, "").trim();
    if (value.isEmpty()) {
      return NONE;
    }
    EnumSet<Step> set = EnumSet.noneOf(Step.class);
    for (String name : value.split(",")) {
      try {
        set.add(Step.valueOf(name.trim().toUpperCase(Locale.ROOT)));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            PROPERTY
                + ": no step '"
                + name.trim()
                + "'; steps are "
                + Arrays.stream(Step.values()).map(Enum::name).collect(Collectors.joining(", ")),
            e);
      }
    }
    return new FaultPoints(set, true);
  }

  /** Called by the migration at each step: dies there if the step is armed. */
  public void reach(Step step) {
    if (!armed.contains(step)) {
      return;
    }
    LOG.error("fault injection: the agent dies at {}", step);
    if (halt) {
      Runtime.getRuntime().halt(137);
    }
    throw new AgentKilled(step);
  }
}
