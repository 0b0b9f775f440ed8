package dev.sluice.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A simulated user's cookies, as a browser keeps them. */
class CookieJarTest {
  private static final Instant T0 = Instant.parse("2024-01-01T00:00:00Z");

  @Test
  void cookiesGoBackAsOneHeaderInTheOrderTheyWereFirstSet() {
    CookieJar jar = new CookieJar();
    assertThat(jar.header("/hello", T0)).isEmpty();
    jar.receive(
        List.of("theme=dark; Path=/", "sluice-session=sluice-v2-0a1b2c3d; Max-Age=3600; Path=/"),
        T0);
    jar.receive(List.of("theme=light"), T0); // replaced, keeps its place
    assertThat(jar.header("/hello", T0)).hasValue("theme=light; sluice-session=sluice-v2-0a1b2c3d");
    assertThat(jar.value("sluice-session", T0)).hasValue("sluice-v2-0a1b2c3d");
  }

  @Test
  void maxAgeExpiresACookieAndZeroDeletesIt() {
    CookieJar jar = new CookieJar();
    jar.receive(List.of("s=1; Max-Age=60", "keep=1"), T0);
    assertThat(jar.header("/", T0.plusSeconds(59))).hasValue("s=1; keep=1");
    assertThat(jar.header("/", T0.plusSeconds(60))).hasValue("keep=1");
    jar.receive(List.of("keep=1; Max-Age=0"), T0.plusSeconds(61));
    assertThat(jar.header("/", T0.plusSeconds(61))).isEmpty();
    // an invalid Max-Age is ignored: a session cookie
    jar.receive(List.of("x=2; Max-Age=soon"), T0);
    assertThat(jar.header("/", T0.plusSeconds(999_999))).hasValue("x=2");
  }

  @Test
  void aCookieGoesOnlyWithRequestsUnderItsPathAndANamelessOneIsIgnored() {
    CookieJar jar = new CookieJar();
    jar.receive(List.of("api=1; Path=/api", "=nameless", "root=1; Path=/"), T0);
    assertThat(jar.header("/api/items?x=1", T0)).hasValue("api=1; root=1");
    assertThat(jar.header("/api", T0)).hasValue("api=1; root=1");
    assertThat(jar.header("/apis", T0)).hasValue("root=1");
    assertThat(jar.header("/hello", T0)).hasValue("root=1");
  }
}
