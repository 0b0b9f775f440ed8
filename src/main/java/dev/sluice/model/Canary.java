package dev.sluice.model;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * One app's canary release policy ({@code spec}) and the progress of its release ({@code status}).
 */
@Group(Canary.GROUP)
@Version(Canary.VERSION)
@Kind("Canary")
@Plural("canaries")
@Singular("canary")
@ShortNames("cnr")
@AdditionalPrinterColumn(name = "Stable", jsonPath = ".status.stableVersion")
@AdditionalPrinterColumn(name = "Canary", jsonPath = ".status.canaryVersion")
@AdditionalPrinterColumn(
    name = "Weight",
    jsonPath = ".status.weight",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Stage", jsonPath = ".status.stage")
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase")
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class Canary extends CustomResource<CanarySpec, CanaryStatus> implements Namespaced {
  public static final String GROUP = "sluice.dev";
  public static final String VERSION = "v1alpha1";

  @Override
  protected CanaryStatus initStatus() {
    return new CanaryStatus();
  }
}
