package dev.sluice.model;

import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * Named Prometheus checks an SRE defines once and Canaries reference. A namespaced object overrides
 * the built-in template of the same name.
 */
@Group(Canary.GROUP)
@Version(Canary.VERSION)
@Kind("AnalysisTemplate")
@Plural("analysistemplates")
@Singular("analysistemplate")
public class AnalysisTemplate extends CustomResource<AnalysisTemplateSpec, Void>
    implements Namespaced {}
