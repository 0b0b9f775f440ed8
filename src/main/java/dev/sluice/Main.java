package dev.sluice;

import dev.sluice.model.AnalysisTemplate;
import dev.sluice.model.Canary;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.api.model.WatchEvent;
import io.fabric8.kubernetes.api.model.apps.DeploymentList;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;
import java.util.List;

/**
 * Starts Quarkus, and beside it loads the classes the informers' first list needs.
 *
 * <p>Start-up is CPU-bound, and most of what follows Quarkus' own start is loading and linking
 * fabric8's and Jackson's model classes (a Deployment alone reaches some two hundred) for the first
 * list of each kind. Quarkus' start leaves a core partly idle; loading them there, on a throwaway
 * mapper, lets the informers find them ready.
 */
@QuarkusMain
public final class Main {
  private Main() {}

  public static void main(String... args) {
    Thread preload = new Thread(Main::loadModelClasses, "sluice-preload");
    preload.setDaemon(true);
    preload.start();
    Quarkus.run(args);
  }

  private static void loadModelClasses() {
    try {
      readEmptyModels();
    } catch (RuntimeException | LinkageError e) {
      // only a head start: the informers load whatever is missing themselves
    }
  }

  /** Reads an empty object of every kind the informers list, which loads their whole models. */
  static void readEmptyModels() {
    KubernetesSerialization json = new KubernetesSerialization();
    for (Class<?> type : PRELOADED) {
      json.unmarshal("{}", type);
    }
  }

  static final List<Class<?>> PRELOADED =
      List.of(
          DeploymentList.class,
          Canary.class,
          AnalysisTemplate.class,
          GenericKubernetesResourceList.class,
          WatchEvent.class);
}
