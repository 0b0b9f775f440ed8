package dev.sluice.controller;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready once every informer has listed the cluster's objects. */
@Readiness
@ApplicationScoped
public class ControllerReadiness implements HealthCheck {
  @Inject Controller controller;

  @Override
  public HealthCheckResponse call() {
    return HealthCheckResponse.named("sluice-informers").status(controller.ready()).build();
  }
}
