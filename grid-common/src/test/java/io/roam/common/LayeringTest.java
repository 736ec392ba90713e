package io.roam.common;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** grid-common is the pure domain: no ZooKeeper, Vert.x, libvirt, CRIU or process launching. */
@AnalyzeClasses(packages = "io.roam.common", importOptions = ImportOption.DoNotIncludeTests.class)
class LayeringTest {
  @ArchTest
  static final ArchRule noIoLibraries =
      noClasses()
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              "org.apache.zookeeper..",
              "org.apache.curator..",
              "io.vertx..",
              "io.netty..",
              "org.libvirt..",
              "com.sun.jna..",
              "java.net..",
              "java.nio.channels..");

  @ArchTest
  static final ArchRule noProcessLaunching =
      noClasses()
          .should()
          .dependOnClassesThat()
          .haveFullyQualifiedName(ProcessBuilder.class.getName())
          .orShould()
          .callMethod(Runtime.class, "exec", String.class);
}
