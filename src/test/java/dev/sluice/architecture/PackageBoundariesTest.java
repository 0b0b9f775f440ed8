package dev.sluice.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package boundaries of docs/architecture.md ("Packages"), kept by the build: the pure core
 * depends on the JDK only, and each side-effect package only on what the table allows.
 */
class PackageBoundariesTest {
  private static JavaClasses mainClasses;

  @BeforeAll
  static void importMainClasses() {
    mainClasses =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.sluice");
  }

  @Test
  void rolloutDependsOnTheJdkOnly() {
    noClasses()
        .that()
        .resideInAPackage("dev.sluice.rollout..")
        .should()
        .dependOnClassesThat()
        .resideOutsideOfPackages("dev.sluice.rollout..", "java..")
        .check(mainClasses);
  }

  /**
   * The analysis core is as pure as the rollout core, with one exception: the statistical judge
   * takes its Mann-Whitney U test and its percentiles from Commons Math's {@code stat} package
   * (pure computation, no I/O), never from hand-written statistics.
   */
  @Test
  void analysisDependsOnTheJdkAndCommonsMathStatisticsOnly() {
    noClasses()
        .that()
        .resideInAPackage("dev.sluice.analysis..")
        .should()
        .dependOnClassesThat()
        .resideOutsideOfPackages(
            "dev.sluice.analysis..",
            "java..",
            "org.apache.commons.math3.stat..",
            "org.apache.commons.math3.exception..")
        .check(mainClasses);
  }

  @Test
  void metricsDependsOnAnalysisOnly() {
    noClasses()
        .that()
        .resideInAPackage("dev.sluice.metrics..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.sluice.rollout..",
            "dev.sluice.routing..",
            "dev.sluice.model..",
            "dev.sluice.controller..",
            "dev.sluice.api..",
            "dev.sluice.notify..")
        .check(mainClasses);
  }

  @Test
  void routingDependsOnRolloutOnly() {
    noClasses()
        .that()
        .resideInAPackage("dev.sluice.routing..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.sluice.analysis..",
            "dev.sluice.metrics..",
            "dev.sluice.model..",
            "dev.sluice.controller..",
            "dev.sluice.api..",
            "dev.sluice.notify..")
        .check(mainClasses);
  }

  @Test
  void modelDependsOnNoOtherSluicePackage() {
    noClasses()
        .that()
        .resideInAPackage("dev.sluice.model..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.sluice.rollout..",
            "dev.sluice.analysis..",
            "dev.sluice.metrics..",
            "dev.sluice.routing..",
            "dev.sluice.controller..",
            "dev.sluice.api..",
            "dev.sluice.notify..")
        .check(mainClasses);
  }

  /** A webhook call knows nothing of Canaries or releases: the controller tells it what to send. */
  @Test
  void webhooksDependOnNoOtherSluicePackage() {
    noClasses()
        .that()
        .resideInAPackage("dev.sluice.webhooks..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.sluice.rollout..",
            "dev.sluice.analysis..",
            "dev.sluice.metrics..",
            "dev.sluice.routing..",
            "dev.sluice.model..",
            "dev.sluice.controller..",
            "dev.sluice.api..",
            "dev.sluice.config..")
        .check(mainClasses);
  }

  @Test
  void configDependsOnNoOtherSluicePackage() {
    noClasses()
        .that()
        .resideInAPackage("dev.sluice.config..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.sluice.rollout..",
            "dev.sluice.analysis..",
            "dev.sluice.metrics..",
            "dev.sluice.routing..",
            "dev.sluice.model..",
            "dev.sluice.controller..",
            "dev.sluice.api..",
            "dev.sluice.notify..")
        .check(mainClasses);
  }

  /**
   * Notifications know nothing of Canaries, the state machine or the checks: the controller maps
   * transitions and specs to them. Of Sluice they use the settings' check only.
   */
  @Test
  void notifyDependsOnConfigOnly() {
    noClasses()
        .that()
        .resideInAPackage("dev.sluice.notify..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.sluice.rollout..",
            "dev.sluice.analysis..",
            "dev.sluice.metrics..",
            "dev.sluice.routing..",
            "dev.sluice.model..",
            "dev.sluice.controller..",
            "dev.sluice.api..",
            "dev.sluice.cli..")
        .check(mainClasses);
  }

  /** Only the controller hands transitions to the notifier. */
  @Test
  void onlyTheControllerUsesNotify() {
    noClasses()
        .that()
        .resideOutsideOfPackages("dev.sluice.notify..", "dev.sluice.controller..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("dev.sluice.notify..")
        .check(mainClasses);
  }

  /**
   * The kubectl plugin runs as a plain {@code main} on a person's machine, with the kubeconfig's
   * rights: the model and fabric8's client, nothing of the daemon (no Quarkus, no controller).
   */
  @Test
  void cliDependsOnTheModelAndTheKubernetesClientOnly() {
    classes()
        .that()
        .resideInAPackage("dev.sluice.cli..")
        .should()
        .onlyDependOnClassesThat()
        .resideInAnyPackage("dev.sluice.cli..", "dev.sluice.model..", "io.fabric8..", "java..")
        .check(mainClasses);
  }

  @Test
  void onlyTheCliUsesTheCli() {
    noClasses()
        .that()
        .resideOutsideOfPackage("dev.sluice.cli..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("dev.sluice.cli..")
        .check(mainClasses);
  }

  @Test
  void onlyTheApiUsesTheApi() {
    noClasses()
        .that()
        .resideOutsideOfPackage("dev.sluice.api..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("dev.sluice.api..")
        .check(mainClasses);
  }
}
