package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.fabric8.kubernetes.api.model.apps.DeploymentList;
import org.junit.jupiter.api.Test;

class MainTest {
  @Test
  void thePreloadReadsEveryKindTheInformersListWithoutAnError() {
    // an error would end the preload silently, at start-up: it must not happen here
    assertThatCode(Main::primedSerialization).doesNotThrowAnyException();
    assertThat(Main.PRELOADED).contains(DeploymentList.class);
  }

  @Test
  void thePreloadSetsUpTlsWithTheJdksTrustStore() throws Exception {
    assertThat(Main.prepareTls().getSupportedCipherSuites()).isNotEmpty();
  }
}
