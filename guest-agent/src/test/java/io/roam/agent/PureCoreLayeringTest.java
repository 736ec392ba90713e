package io.roam.agent;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The gossip core and the balancer are pure: decisions from snapshots, no I/O, so that they are
 * unit-tested and run in the simulator. Transports live in their own packages (gossip.udp).
 */
@AnalyzeClasses(packages = "io.roam.agent", importOptions = ImportOption.DoNotIncludeTests.class)
class PureCoreLayeringTest {
  private static final String[] IO =
      new String[] {
        "java.net..",
        "java.nio.channels..",
        "java.nio.file..",
        "io.vertx..",
        "io.netty..",
        "org.apache.curator..",
        "org.apache.zookeeper.."
      };

  @ArchTest
  static final ArchRule gossipCoreDoesNoIo =
      noClasses()
          .that()
          .resideInAPackage("io.roam.agent.gossip")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(IO)
          .orShould()
          .dependOnClassesThat()
          .haveNameMatching("java\\.io\\.File.*");

  @ArchTest
  static final ArchRule placementDoesNoIo =
      noClasses()
          .that()
          .resideInAPackage("io.roam.agent.placement..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(IO)
          .orShould()
          .dependOnClassesThat()
          .haveNameMatching("java\\.io\\.File.*");

  @ArchTest
  static final ArchRule migrationRecoveryDecidesWithoutIo =
      noClasses()
          .that()
          .haveSimpleName("RecoveryDecision")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(IO)
          .orShould()
          .dependOnClassesThat()
          .haveNameMatching("java\\.io\\.File.*");

  @ArchTest
  static final ArchRule coreDoesNotDependOnTheSimulator =
      noClasses()
          .that()
          .resideInAnyPackage("io.roam.agent.gossip..", "io.roam.agent.placement..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("io.roam.agent.sim..");
}
