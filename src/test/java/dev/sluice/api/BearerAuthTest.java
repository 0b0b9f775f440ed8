package dev.sluice.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The token check on its own, including the case no running test can show: no token set. */
class BearerAuthTest {
  private static final Optional<String> TOKEN = Optional.of("s3cret-token-0123456789");

  private static Optional<Integer> status(Optional<String> configured, String header) {
    return BearerAuth.check(configured, header).map(BearerAuth.Refusal::status);
  }

  @Test
  void withoutAConfiguredTokenEveryRequestIsRefusedWith503() {
    for (Optional<String> none : java.util.List.of(Optional.<String>empty(), Optional.of("  "))) {
      Optional<BearerAuth.Refusal> r = BearerAuth.check(none, "Bearer anything");
      assertThat(r).isPresent();
      assertThat(r.get().status()).isEqualTo(503);
      assertThat(r.get().reason()).contains("sluice.api.token", "SLUICE_API_TOKEN");
    }
  }

  @Test
  void theRightTokenPassesAnyOtherIs401() {
    assertThat(status(TOKEN, "Bearer s3cret-token-0123456789")).isEmpty();
    assertThat(status(TOKEN, "bearer s3cret-token-0123456789")).isEmpty();
    assertThat(status(TOKEN, "BEARER   s3cret-token-0123456789 ")).isEmpty();

    assertThat(status(TOKEN, null)).contains(401);
    assertThat(status(TOKEN, "")).contains(401);
    assertThat(status(TOKEN, "Bearer")).contains(401);
    assertThat(status(TOKEN, "Bearer ")).contains(401);
    assertThat(status(TOKEN, "s3cret-token-0123456789")).contains(401);
    assertThat(status(TOKEN, "Basic s3cret-token-0123456789")).contains(401);
    assertThat(status(TOKEN, "Bearer s3cret-token-012345678")).contains(401);
    assertThat(status(TOKEN, "Bearer s3cret-token-01234567890")).contains(401);
    assertThat(status(TOKEN, "Bearer S3CRET-TOKEN-0123456789")).contains(401);
  }

  @Test
  void aTokenFromASecretFileWithATrailingNewlineStillMatches() {
    assertThat(status(Optional.of("s3cret-token-0123456789\n"), "Bearer s3cret-token-0123456789"))
        .isEmpty();
  }

  @Test
  void noReasonRepeatsTheToken() {
    for (String header : new String[] {null, "Bearer wrong", "Basic x", "Bearer s3cret"}) {
      assertThat(BearerAuth.check(TOKEN, header).orElseThrow().reason()).doesNotContain("s3cret");
    }
  }
}
