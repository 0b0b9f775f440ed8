package dev.sluice;

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
 * Starts Quarkus, and beside it loads the classes the informers' first list needs.
 *
 * <p>Start-up is CPU-bound, and most of what follows Quarkus' own start is loading and linking
 * fabric8's and Jackson's model classes (a Deployment alone reaches some two hundred) for the first
 * list of each kind, and the TLS set-up the Kubernetes client does when it is built (it reads the
 * JDK's trust store even for a plain-HTTP API server). Quarkus' start leaves a core partly idle;
 * doing both there first, on throwaway objects, lets the client and the informers find them ready.
 */
@QuarkusMain
public final class Main {
  private Main() {}

  public static void main(String... args) {
    Thread preload = new Thread(Main::preload, "sluice-preload");
    preload.setDaemon(true);
    preload.start();
    Quarkus.run(args);
  }

  private static void preload() {
    try {
      readEmptyModels();
      prepareTls();
    } catch (RuntimeException | LinkageError | GeneralSecurityException e) {
      // only a head start: the client and the informers do whatever is missing themselves
    }
  }

  /** Reads an empty object of every kind the informers list, which loads their whole models. */
  static void readEmptyModels() {
    KubernetesSerialization json = new KubernetesSerialization();
    for (Class<?> type : PRELOADED) {
      json.unmarshal("{}", type);
    }
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
