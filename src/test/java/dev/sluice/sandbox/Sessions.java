package dev.sluice.sandbox;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The simulated users of the load generator: each request belongs to a session, a user with a
 * cookie jar ({@link CookieJar}) who sends {@code requestsPerSession} requests and leaves; {@code
 * concurrent} sessions are open at any time, taking the requests in turn, and a new one opens as
 * soon as one leaves (the first ones leave after 1, 2, ... requests, so that sessions keep coming
 * and going from the start). At the load generator's rate r, a session sends a request every {@code
 * concurrent / r} seconds.
 *
 * <p>A share of the sessions belongs to a {@link Group} and sends its header with every request
 * (e.g. {@code x-canary: insider}); the others are plain {@link #USERS}. The n-th session opened
 * belongs to a group of share s when ⌊n·s⌋ > ⌊(n−1)·s⌋ (groups tried in order), so the shares hold
 * exactly, with no randomness.
 *
 * <p>Each session records every answer a pod gave it ({@link Answer}: which version, by which
 * route, routed by which VirtualService version); the report counts, among other things, the
 * sessions that saw both versions.
 */
final class Sessions {
  /** The sessions that belong to no group. */
  static final String USERS = "users";

  /**
   * Sessions that send {@code header: value} with every request, {@code share} of all (0..1).
   *
   * @param name e.g. {@code insiders}
   */
  record Group(String name, String header, String value, double share) {
    Group {
      if (share < 0 || share > 1) {
        throw new IllegalArgumentException("a group's share is within 0..1, not " + share);
      }
    }
  }

  /**
   * How sessions come and go: {@code concurrent} open at a time, {@code requestsPerSession} each,
   * {@code groups} sending their headers.
   */
  record Profile(int concurrent, int requestsPerSession, List<Group> groups) {
    Profile {
      if (concurrent < 1 || requestsPerSession < 1) {
        throw new IllegalArgumentException("sessions need 1 or more of each");
      }
      groups = List.copyOf(groups);
    }

    /**
     * Sessions of 6 requests, each a request every half second or so at {@code rate} requests per
     * second (so a session lasts about 3 s), with {@code groups}.
     */
    static Profile forRate(double rate, List<Group> groups) {
      return new Profile((int) Math.max(1, Math.round(rate / 2)), 6, groups);
    }
  }

  /**
   * One answer from a pod to a session.
   *
   * @param sentAt when the request was sent
   * @param version the version of the pod that answered ({@link Backend#VERSION_HEADER})
   * @param status its status
   * @param route the HTTP route that led there ({@link Mesh#ROUTE_HEADER})
   * @param routedBy the VirtualService version routed by ({@link Mesh#ROUTED_BY_HEADER}), or null
   */
  record Answer(Instant sentAt, String version, int status, String route, String routedBy) {}

  /** One simulated user. */
  static final class Session {
    final long id;
    final Group group;
    private final CookieJar jar = new CookieJar();
    private final List<Answer> answers = new ArrayList<>();
    private int left;
    private int sent;

    Session(long id, Group group, int requests) {
      this.id = id;
      this.group = group;
      this.left = requests;
    }

    /** The group's name, or {@link #USERS}. */
    String groupName() {
      return group == null ? USERS : group.name();
    }

    /** Adds the session's cookies and group header to a request for {@code path}. */
    void prepare(HttpRequest.Builder request, String path, Instant now) {
      headers(path, now).forEach(request::header);
    }

    /**
     * The headers of the session's next request for {@code path} at {@code now}: its {@code
     * cookie}, if it has any, and its group's header; counts the request as sent.
     */
    synchronized Map<String, String> headers(String path, Instant now) {
      sent++;
      Map<String, String> out = new LinkedHashMap<>();
      jar.header(path, now).ifPresent(c -> out.put("cookie", c));
      if (group != null) {
        out.put(group.header(), group.value());
      }
      return out;
    }

    /** Takes an answer's cookies, and records it when a pod of {@code version} gave it. */
    void answered(Instant sentAt, HttpResponse<?> response, String version) {
      received(
          response.headers().allValues("set-cookie"),
          version == null
              ? null
              : new Answer(
                  sentAt,
                  version,
                  response.statusCode(),
                  response.headers().firstValue(Mesh.ROUTE_HEADER).orElse(null),
                  response.headers().firstValue(Mesh.ROUTED_BY_HEADER).orElse(null)),
          Instant.now());
    }

    /** Takes the {@code Set-Cookie} values of an answer received at {@code now}; records it. */
    synchronized void received(List<String> setCookies, Answer answer, Instant now) {
      jar.receive(setCookies, now);
      if (answer != null) {
        answers.add(answer);
      }
    }

    synchronized List<Answer> answers() {
      return List.copyOf(answers);
    }

    /** Requests the session sent. */
    synchronized int sent() {
      return sent;
    }
  }

  private final Profile profile;
  private final List<Session> open = new ArrayList<>();
  private final List<Session> all = Collections.synchronizedList(new ArrayList<>());
  private long opened;
  private int turn;

  Sessions(Profile profile) {
    this.profile = profile;
    for (int i = 0; i < profile.concurrent(); i++) {
      open.add(open(1 + i % profile.requestsPerSession()));
    }
  }

  /** The session that sends the next request. */
  synchronized Session next() {
    turn = turn % open.size();
    Session s = open.get(turn);
    if (--s.left <= 0) {
      open.set(turn, open(profile.requestsPerSession()));
    }
    turn++;
    return s;
  }

  private Session open(int requests) {
    long n = ++opened;
    Group group = null;
    for (Group g : profile.groups()) {
      if (Math.floor(n * g.share()) > Math.floor((n - 1) * g.share())) {
        group = g;
        break;
      }
    }
    Session s = new Session(n, group, requests);
    all.add(s);
    return s;
  }

  /** Every session that sent a request, oldest first. */
  List<Session> all() {
    synchronized (all) {
      return all.stream().filter(s -> s.sent() > 0).toList();
    }
  }

  Profile profile() {
    return profile;
  }

  /** How long a session lasts at {@code rate} requests per second. */
  Duration sessionLength(double rate) {
    return Duration.ofMillis(
        Math.round(1000.0 * profile.concurrent() * profile.requestsPerSession() / rate));
  }
}
