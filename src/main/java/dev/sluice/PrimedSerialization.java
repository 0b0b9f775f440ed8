package dev.sluice;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.quarkus.kubernetes.client.KubernetesClientObjectMapper;
import io.quarkus.kubernetes.client.KubernetesClientObjectMapperCustomizer;
import io.quarkus.kubernetes.client.KubernetesResources;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * The Kubernetes client's serializer: the one {@link Main}'s preload built and primed while Quarkus
 * started, else (tests, which start Quarkus without {@code Main}; a failed preload; a customised
 * object mapper) one built as Quarkus' own producer does.
 */
@Singleton
public class PrimedSerialization {
  private static final Logger LOG = Logger.getLogger(PrimedSerialization.class);
  // set by Main before its preload starts; null when nothing primes one (tests)
  private static volatile CompletableFuture<KubernetesSerialization> primed;

  /** A serializer is being primed: the producer waits for it (or for a null offer). */
  static void expect() {
    primed = new CompletableFuture<>();
  }

  /** The preload's serializer, or null when it has none; only the first offer counts. */
  static void offer(KubernetesSerialization json) {
    CompletableFuture<KubernetesSerialization> p = primed;
    if (p != null) {
      p.complete(json);
    }
  }

  /** Tests: back to "nothing primes one". */
  static void forget() {
    primed = null;
  }

  @Produces
  @Singleton
  @SuppressWarnings("rawtypes")
  KubernetesSerialization kubernetesSerialization(
      @KubernetesClientObjectMapper Instance<ObjectMapper> mapper,
      Instance<KubernetesClientObjectMapperCustomizer> customizers,
      @KubernetesResources Class[] resources) {
    return choose(customizers.isUnsatisfied(), mapper::get, resources);
  }

  /**
   * The primed serializer if there is one and the client's object mapper has no customizer (the
   * preload's mapper is a plain one), else one on Quarkus' mapper; with {@code resources}, the
   * classes Quarkus registers, registered.
   */
  @SuppressWarnings({"rawtypes", "unchecked"})
  static KubernetesSerialization choose(
      boolean plainMapper, Supplier<ObjectMapper> mapper, Class[] resources) {
    KubernetesSerialization json = plainMapper ? primed() : null;
    if (json == null) {
      json = new KubernetesSerialization(mapper.get(), false); // as Quarkus' producer does
    }
    for (Class type : resources) {
      json.registerKubernetesResource(type);
    }
    return json;
  }

  private static KubernetesSerialization primed() {
    CompletableFuture<KubernetesSerialization> p = primed;
    if (p == null) {
      return null;
    }
    try {
      // the preload started before Quarkus and takes a fraction of its start: rarely a wait
      return p.get(10, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      LOG.debug("the preload has not primed a serializer in 10 s; building one");
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    } catch (Exception e) {
      return null;
    }
  }
}
