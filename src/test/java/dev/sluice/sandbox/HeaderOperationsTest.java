package dev.sluice.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Header manipulation as Envoy applies Istio's {@code headers.request/response}. */
class HeaderOperationsTest {

  @Test
  void removeThenSetThenAddAndNamesWithoutCase() {
    HeaderOperations ops =
        HeaderOperations.of(
            Map.of(
                "response",
                Map.of(
                    "remove", List.of("X-Powered-By"),
                    "set", Map.of("cache-control", "no-store"),
                    "add", Map.of("Set-Cookie", "s=1; Path=/", "x-powered-by", "sluice"))),
            "response");
    Map<String, List<String>> out =
        ops.apply(
            Map.of(
                "x-powered-by", List.of("jdk"),
                "Cache-Control", List.of("max-age=60", "public"),
                "set-cookie", List.of("theme=dark")));
    assertThat(out.get("X-POWERED-BY")).containsExactly("sluice"); // removed, then added
    assertThat(out.get("cache-control")).containsExactly("no-store"); // set overwrites all
    assertThat(out.get("set-cookie")).containsExactly("theme=dark", "s=1; Path=/");
  }

  @Test
  void theRouteIsAppliedAfterTheDestinationSoItsSetWins() {
    HeaderOperations destination =
        HeaderOperations.of(
            Map.of("response", Map.of("set", Map.of("x-version", "from-destination"))), "response");
    HeaderOperations route =
        HeaderOperations.of(
            Map.of("response", Map.of("set", Map.of("x-version", "from-route"))), "response");
    assertThat(HeaderOperations.applyAll(List.of(destination, route), Map.of()).get("x-version"))
        .containsExactly("from-route");
  }

  @Test
  void theOtherDirectionAndNoHeadersAreNothing() {
    Object headers = Map.of("request", Map.of("set", Map.of("a", "b")));
    assertThat(HeaderOperations.of(headers, "response")).isEqualTo(HeaderOperations.NONE);
    assertThat(HeaderOperations.of(null, "request").isEmpty()).isTrue();
    assertThat(HeaderOperations.of(headers, "request").apply(Map.of()).get("A"))
        .containsExactly("b");
  }
}
