package dev.sluice.controller;

import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;

/** The Istio kinds Sluice reads and writes, as {@code networking.istio.io/v1}. */
final class Istio {
  private Istio() {}

  static final ResourceDefinitionContext VIRTUAL_SERVICE =
      new ResourceDefinitionContext.Builder()
          .withGroup("networking.istio.io")
          .withVersion("v1")
          .withKind("VirtualService")
          .withPlural("virtualservices")
          .withNamespaced(true)
          .build();

  static final ResourceDefinitionContext DESTINATION_RULE =
      new ResourceDefinitionContext.Builder()
          .withGroup("networking.istio.io")
          .withVersion("v1")
          .withKind("DestinationRule")
          .withPlural("destinationrules")
          .withNamespaced(true)
          .build();
}
