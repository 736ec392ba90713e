package io.roam.vmnode;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * libvirt stays behind the Hypervisor interface, ZooKeeper behind grid-store, and the decision core
 * does no I/O.
 */
@AnalyzeClasses(packages = "io.roam.vmnode", importOptions = ImportOption.DoNotIncludeTests.class)
class LayeringTest {
  @ArchTest
  static final ArchRule libvirtOnlyInTheAdapter =
      noClasses()
          .that()
          .resideOutsideOfPackage("io.roam.vmnode.libvirt..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage("org.libvirt..", "com.sun.jna..");

  @ArchTest
  static final ArchRule zooKeeperOnlyThroughTheStore =
      noClasses()
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage("org.apache.zookeeper..", "org.apache.curator..");

  @ArchTest
  static final ArchRule theDecisionCoreIsPure =
      noClasses()
          .that()
          .resideInAnyPackage("io.roam.vmnode.spec..", "io.roam.vmnode.hypervisor..")
          .or()
          .haveFullyQualifiedName("io.roam.vmnode.reconcile.Reconciler")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              "io.roam.vmnode.libvirt..",
              "io.roam.vmnode.image..",
              "io.roam.store..",
              "java.nio.channels..",
              "java.net..")
          .orShould()
          .dependOnClassesThat()
          .haveFullyQualifiedName("java.nio.file.Files")
          .orShould()
          .dependOnClassesThat()
          .haveFullyQualifiedName(ProcessBuilder.class.getName());
}
