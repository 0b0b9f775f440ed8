package dev.sluice.api;

import dev.sluice.controller.Controller;
import dev.sluice.model.Canary;
import dev.sluice.model.CanaryStatus;
import dev.sluice.rollout.Command;
import dev.sluice.rollout.Signal;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Manual control and the read view:
 *
 * <ul>
 *   <li>{@code GET /api/v1/canaries}: every Canary Sluice watches, with its status;
 *   <li>{@code GET /api/v1/canaries/{namespace}}: those of one namespace;
 *   <li>{@code GET /api/v1/canaries/{namespace}/{name}}: one;
 *   <li>{@code POST /api/v1/canaries/{namespace}/{name}/{action}[?by=who]}: pause, resume, promote,
 *       abort or retry. 200 once the state machine applied it, 409 with its refusal when the action
 *       does not apply in the current phase, 404 for an unknown Canary, 400 for an unknown action
 *       or a malformed name, 202 when it was queued but not decided within {@code
 *       sluice.api.decision-timeout-ms}.
 * </ul>
 */
@Path(CanaryResource.PATH)
@Produces(MediaType.APPLICATION_JSON)
public class CanaryResource {
  static final String PATH = "/api/v1/canaries";
  private static final Logger LOG = Logger.getLogger(CanaryResource.class);

  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final Pattern DNS_SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  private static final Pattern WHO = Pattern.compile("[A-Za-z0-9][-A-Za-z0-9_.@ ]{0,62}");

  @Inject Controller controller;
  @Inject ApiSettings settings;

  /**
   * One Canary as the read view shows it: what it manages and its status as stored.
   *
   * @param namespace its namespace
   * @param name its name
   * @param app the app label it releases
   * @param status its status (phase, versions, weight, conditions, measurements, last action...)
   */
  public record CanaryView(String namespace, String name, String app, CanaryStatus status) {}

  /** The list view. */
  public record CanaryList(List<CanaryView> canaries) {}

  /**
   * The answer to an action.
   *
   * @param canary {@code namespace/name}
   * @param action the action
   * @param result applied, or queued (not decided yet)
   * @param message for people
   */
  public record ActionAnswer(String canary, String action, String result, String message) {}

  @GET
  public Response list() {
    if (!controller.running()) {
      return notRunning();
    }
    return Response.ok(new CanaryList(views(controller.canaries()))).build();
  }

  @GET
  @Path("{namespace}")
  public Response listNamespace(@PathParam("namespace") String namespace) {
    if (!DNS_LABEL.matcher(namespace).matches()) {
      return badName("namespace", namespace);
    }
    if (!controller.running()) {
      return notRunning();
    }
    List<Canary> in =
        controller.canaries().stream()
            .filter(c -> namespace.equals(c.getMetadata().getNamespace()))
            .toList();
    return Response.ok(new CanaryList(views(in))).build();
  }

  @GET
  @Path("{namespace}/{name}")
  public Response get(@PathParam("namespace") String namespace, @PathParam("name") String name) {
    Optional<Response> bad = checkNames(namespace, name);
    if (bad.isPresent()) {
      return bad.get();
    }
    if (!controller.running()) {
      return notRunning();
    }
    return controller
        .canary(namespace, name)
        .map(c -> Response.ok(view(c)).build())
        .orElseGet(() -> unknown(namespace, name));
  }

  @POST
  @Path("{namespace}/{name}/{action}")
  @Consumes(MediaType.WILDCARD)
  public CompletionStage<Response> act(
      @PathParam("namespace") String namespace,
      @PathParam("name") String name,
      @PathParam("action") String action,
      @QueryParam("by") String by) {
    Optional<Response> bad = checkNames(namespace, name);
    if (bad.isPresent()) {
      return done(bad.get());
    }
    Optional<Command> command = parse(action);
    if (command.isEmpty()) {
      return done(
          ApiError.response(
              400,
              "unknown action \""
                  + AlertmanagerPayload.clip(action)
                  + "\"; use one of "
                  + Arrays.stream(Command.values())
                      .map(c -> c.name().toLowerCase(Locale.ROOT))
                      .collect(Collectors.joining(", "))));
    }
    if (by != null && !WHO.matcher(by).matches()) {
      return done(
          ApiError.response(
              400, "by must be a name of at most 63 letters, digits and - _ . @ or spaces"));
    }
    if (!controller.running()) {
      return done(notRunning());
    }
    if (controller.canary(namespace, name).isEmpty()) {
      return done(unknown(namespace, name));
    }
    String key = namespace + "/" + name;
    String verb = command.get().name().toLowerCase(Locale.ROOT);
    String who = by == null ? "api" : by + " via api";
    CompletableFuture<Optional<String>> answer =
        controller.inbox().offer(key, new Signal.Manual(command.get(), who));
    controller.pokeUrgent(key);
    Response queued =
        Response.accepted(
                new ActionAnswer(
                    key,
                    verb,
                    "queued",
                    "not decided within "
                        + settings.decisionTimeout()
                        + "; see the Canary's status and events"))
            .build();
    return answer
        .thenApply(
            refusal -> {
              if (refusal.isEmpty()) {
                LOG.infof("%s: %s applied (%s)", key, verb, who);
                return Response.ok(new ActionAnswer(key, verb, "applied", verb + " applied"))
                    .build();
              }
              if (controller.canary(namespace, name).isEmpty()) {
                return unknown(namespace, name); // deleted while the action waited
              }
              return ApiError.response(409, refusal.get());
            })
        .completeOnTimeout(queued, settings.decisionTimeout().toMillis(), TimeUnit.MILLISECONDS);
  }

  static Optional<Command> parse(String action) {
    return Arrays.stream(Command.values())
        .filter(c -> c.name().toLowerCase(Locale.ROOT).equals(action))
        .findFirst();
  }

  private static Optional<Response> checkNames(String namespace, String name) {
    if (!DNS_LABEL.matcher(namespace).matches()) {
      return Optional.of(badName("namespace", namespace));
    }
    if (name.length() > 253 || !DNS_SUBDOMAIN.matcher(name).matches()) {
      return Optional.of(badName("Canary name", name));
    }
    return Optional.empty();
  }

  private static Response badName(String what, String value) {
    return ApiError.response(
        400, "\"" + AlertmanagerPayload.clip(value) + "\" is not a valid " + what);
  }

  private static Response unknown(String namespace, String name) {
    return ApiError.response(404, "no Canary " + namespace + "/" + name + " is watched by Sluice");
  }

  private static Response notRunning() {
    return ApiError.response(503, "the controller is not running yet (informers not synced)");
  }

  private static List<CanaryView> views(List<Canary> canaries) {
    return canaries.stream()
        .sorted(
            Comparator.comparing((Canary c) -> c.getMetadata().getNamespace())
                .thenComparing(c -> c.getMetadata().getName()))
        .map(CanaryResource::view)
        .toList();
  }

  private static CanaryView view(Canary c) {
    return new CanaryView(
        c.getMetadata().getNamespace(),
        c.getMetadata().getName(),
        c.getSpec() == null ? null : c.getSpec().app,
        c.getStatus());
  }

  private static CompletionStage<Response> done(Response r) {
    return CompletableFuture.completedFuture(r);
  }
}
