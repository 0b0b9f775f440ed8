package dev.sluice;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.model.AnalysisTemplate;
import dev.sluice.model.Canary;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.api.model.WatchEvent;
import io.fabric8.kubernetes.api.model.apps.DeploymentList;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;

/**
 * Starts Quarkus, and beside it prepares what the informers' first list needs.
 *
 * <p>Start-up is CPU-bound, and most of what follows Quarkus' own start is Jackson building its
 * deserializers for fabric8's model classes (a Deployment alone reaches some two hundred classes)
 * for the first list of each kind, and the TLS set-up the Kubernetes client does when it is built
 * (it reads the JDK's trust store even for a plain-HTTP API server). Quarkus' start leaves a core
 * partly idle; the preload does both there: it builds the client's serializer and has it read an
 * empty object of every listed kind (deserializers are cached per serializer, so the client is
 * handed this one: {@link PrimedSerialization}), and sets up TLS on a throwaway context.
 */
@QuarkusMain
public final class Main {
  private Main() {}

  public static void main(String... args) {
    PrimedSerialization.expect();
    Thread preload = new Thread(Main::preload, "sluice-preload");
    preload.setDaemon(true);
    preload.start();
    Quarkus.run(args);
  }

  private static void preload() {
    try {
      PrimedSerialization.offer(primedSerialization());
      prepareTls();
    } catch (RuntimeException | LinkageError | GeneralSecurityException e) {
      // only a head start: the client and the informers do whatever is missing themselves
    } finally {
      PrimedSerialization.offer(null); // no-op once offered; else: nothing primed, don't wait
    }
  }

  /**
   * A serializer as Quarkus builds the client's (a plain object mapper, no class-path search),
   * which has read an empty object of every kind the informers list: its deserializers for their
   * whole models are built and cached.
   */
  static KubernetesSerialization primedSerialization() {
    KubernetesSerialization json = new KubernetesSerialization(new ObjectMapper(), false);
    for (Class<?> type : PRELOADED) {
      json.unmarshal("{}", type);
    }
    return json;
  }

  /**
   * Sets up a TLS engine trusting the JDK's trust store, as the Kubernetes client does when it is
   * built: the provider, its cipher suites and the certificate parsing are then ready (and where
   * the client trusts the JDK's trust store as it is, the JDK keeps it parsed for the client).
   */
  static SSLEngine prepareTls() throws GeneralSecurityException {
    TrustManagerFactory trust =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init((KeyStore) null);
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(null, trust.getTrustManagers(), new SecureRandom());
    return tls.createSSLEngine();
  }

  static final List<Class<?>> PRELOADED =
      List.of(
          DeploymentList.class,
          Canary.class,
          AnalysisTemplate.class,
          GenericKubernetesResourceList.class,
          WatchEvent.class);
}
