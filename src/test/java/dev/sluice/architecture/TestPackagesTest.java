package dev.sluice.architecture;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The layout of the test code, kept by the build as {@link PackageBoundariesTest} keeps the main
 * code's: {@code dev.sluice.testing} is the shared kit (fixtures, the mock cluster, schemas, the
 * stand-in API server, the launchers of the packaged daemon and of a real Prometheus and
 * Alertmanager, the recorded history and its invariant checker); every other test package (the unit
 * and component tests beside the code they test, the fault suites of {@code dev.sluice.faults}, the
 * sandbox of {@code dev.sluice.sandbox}, the benchmark of {@code dev.sluice.bench}) uses the kit
 * and its own classes only. Only test code counts here: a test package uses the main code it tests
 * as it likes (a slice here is a package's test classes: a dependency on a main class is ignored).
 */
class TestPackagesTest {
  private static final String KIT = "dev.sluice.testing..";

  /** The test classes (the main classes are not imported: a dependency on one is not followed). */
  private static final JavaClasses TESTS =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.ONLY_INCLUDE_TESTS)
          .importPackages("dev.sluice");

  /** A class of the test code (not of the main code, whatever its package). */
  private static final DescribedPredicate<JavaClass> TEST_CODE =
      DescribedPredicate.describe("test code", c -> TESTS.contain(c.getName()));

  @Test
  void theTestCodeIsThere() {
    // the rules below would pass over nothing if the import found no test class
    org.assertj.core.api.Assertions.assertThat(TESTS.contain(TestPackagesTest.class.getName()))
        .isTrue();
    org.assertj.core.api.Assertions.assertThat(TESTS.contain("dev.sluice.testing.Fixtures"))
        .isTrue();
  }

  @Test
  void theTestPackagesAreFreeOfCycles() {
    slices()
        .matching("dev.sluice.(*)..")
        .should()
        .beFreeOfCycles()
        .ignoreDependency(DescribedPredicate.alwaysTrue(), DescribedPredicate.not(TEST_CODE))
        .check(TESTS);
  }

  @Test
  void theKitDependsOnNoOtherTestPackage() {
    noClasses()
        .that()
        .resideInAPackage(KIT)
        .should()
        .dependOnClassesThat(TEST_CODE.and(DescribedPredicate.not(resideInAPackage(KIT))))
        .check(TESTS);
  }

  @Test
  void testPackagesDependOnNoOtherTestPackageButTheKit() {
    slices()
        .matching("dev.sluice.(*)..")
        .should()
        .notDependOnEachOther()
        .ignoreDependency(DescribedPredicate.alwaysTrue(), DescribedPredicate.not(TEST_CODE))
        .ignoreDependency(DescribedPredicate.alwaysTrue(), resideInAPackage(KIT))
        .check(TESTS);
  }
}
