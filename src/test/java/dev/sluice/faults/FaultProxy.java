package dev.sluice.faults;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fault-injecting HTTP/1.1 proxy in front of the Kubernetes API server, for the daemon to talk to
 * (QUARKUS_KUBERNETES_CLIENT_API_SERVER_URL): plain JDK sockets, one connection per request (every
 * answer says {@code Connection: close}), watches (WebSocket upgrades or streamed {@code
 * watch=true} answers) piped both ways.
 *
 * <p>While {@link #enable enabled}, each request draws a fault with probability {@code rate}:
 *
 * <ul>
 *   <li>{@link Fault#CONFLICT} (writes): 409 Conflict, as when the object changed since it was
 *       read; not forwarded;
 *   <li>{@link Fault#SERVER_ERROR}: 500, not forwarded;
 *   <li>{@link Fault#LOST_ANSWER} (writes): forwarded and applied, but the answer is replaced by a
 *       500 (the API server timed out after committing): the client does not know it succeeded;
 *   <li>{@link Fault#TOO_MANY_REQUESTS}: 429 with {@code Retry-After: 1}, not forwarded;
 *   <li>{@link Fault#SLOW}: forwarded after 0.5 to 2.5 seconds;
 *   <li>{@link Fault#DROPPED_WATCH} (watches, with probability {@code watchDropRate}): the watch's
 *       connection is cut after 0.5 to 4 seconds.
 * </ul>
 *
 * <p>{@link #outage} answers every request with 503 for a while (the API server restarting). Every
 * fault is counted. The random choices come from a seeded {@link Random}; which request draws which
 * fault still depends on timing.
 */
final class FaultProxy implements AutoCloseable {

  enum Fault {
    CONFLICT,
    SERVER_ERROR,
    LOST_ANSWER,
    TOO_MANY_REQUESTS,
    SLOW,
    DROPPED_WATCH,
    OUTAGE
  }

  private final String upstreamHost;
  private final int upstreamPort;
  private final ServerSocket server;
  private final Random random;
  private final Map<Fault, AtomicInteger> counts = new EnumMap<>(Fault.class);
  private final AtomicInteger requests = new AtomicInteger();
  private final AtomicInteger watches = new AtomicInteger();
  private final Map<Socket, Boolean> open = new ConcurrentHashMap<>();
  private volatile double rate;
  private volatile double watchDropRate;
  private volatile long outageUntil;
  private volatile boolean closed;

  FaultProxy(String upstreamUrl, long seed) throws IOException {
    java.net.URI u = java.net.URI.create(upstreamUrl);
    this.upstreamHost = u.getHost();
    this.upstreamPort = u.getPort();
    this.random = new Random(seed);
    for (Fault f : Fault.values()) {
      counts.put(f, new AtomicInteger());
    }
    server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::accept, "fault-proxy-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getLocalPort();
  }

  /** Faults from now on: {@code rate} of requests, {@code watchDropRate} of watches. */
  void enable(double rate, double watchDropRate) {
    this.rate = rate;
    this.watchDropRate = watchDropRate;
  }

  void disable() {
    enable(0, 0);
    outageUntil = 0;
  }

  /** Every request gets 503 for {@code millis}. */
  void outage(long millis) {
    outageUntil = System.currentTimeMillis() + millis;
  }

  int count(Fault f) {
    return counts.get(f).get();
  }

  int requests() {
    return requests.get();
  }

  int total() {
    return counts.values().stream().mapToInt(AtomicInteger::get).sum();
  }

  String summary() {
    List<String> parts = new ArrayList<>();
    counts.forEach((f, n) -> parts.add(f.name().toLowerCase(Locale.ROOT) + "=" + n.get()));
    return String.join(" ", parts)
        + " (of "
        + requests.get()
        + " requests, "
        + watches.get()
        + " of them watches)";
  }

  /** The counts for the figures: "conflict=7,server_error=17,...,requests=419,watches=7". */
  String figures() {
    List<String> parts = new ArrayList<>();
    counts.forEach((f, n) -> parts.add(f.name().toLowerCase(Locale.ROOT) + "=" + n.get()));
    parts.add("requests=" + requests.get());
    parts.add("watches=" + watches.get());
    return String.join(",", parts);
  }

  private void accept() {
    while (!closed) {
      try {
        Socket s = server.accept();
        Thread t = new Thread(() -> handle(s), "fault-proxy");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private synchronized double draw() {
    return random.nextDouble();
  }

  private synchronized int between(int min, int max) {
    return min + random.nextInt(max - min + 1);
  }

  private synchronized Fault pick(List<Fault> choices) {
    return choices.get(random.nextInt(choices.size()));
  }

  private void handle(Socket client) {
    open.put(client, true);
    try (client) {
      InputStream in = client.getInputStream();
      byte[] head = readHead(in);
      if (head == null) {
        return;
      }
      String headText = new String(head, StandardCharsets.ISO_8859_1);
      String[] lines = headText.split("\r\n");
      String[] requestLine = lines[0].split(" ");
      String method = requestLine[0];
      String path = requestLine.length > 1 ? requestLine[1] : "/";
      List<String[]> headers = new ArrayList<>();
      for (int i = 1; i < lines.length; i++) {
        int colon = lines[i].indexOf(':');
        if (colon > 0) {
          headers.add(
              new String[] {
                lines[i].substring(0, colon).trim(), lines[i].substring(colon + 1).trim()
              });
        }
      }
      byte[] body = readBody(in, headers);
      requests.incrementAndGet();
      boolean upgrade = header(headers, "Upgrade") != null;
      boolean watch = upgrade || path.contains("watch=true") || path.contains("watch=1");
      boolean write = !method.equals("GET") && !method.equals("HEAD");
      OutputStream out = client.getOutputStream();

      if (System.currentTimeMillis() < outageUntil) {
        counts.get(Fault.OUTAGE).incrementAndGet();
        status(out, 503, "ServiceUnavailable", "the API server is restarting (injected)", null);
        return;
      }
      Fault fault = null;
      if (watch) {
        watches.incrementAndGet();
        if (draw() < watchDropRate) {
          fault = Fault.DROPPED_WATCH;
        }
      } else if (draw() < rate) {
        fault =
            pick(
                write
                    ? List.of(
                        Fault.CONFLICT,
                        Fault.SERVER_ERROR,
                        Fault.LOST_ANSWER,
                        Fault.TOO_MANY_REQUESTS,
                        Fault.SLOW)
                    : List.of(Fault.SERVER_ERROR, Fault.TOO_MANY_REQUESTS, Fault.SLOW));
      }
      if (fault != null) {
        counts.get(fault).incrementAndGet();
      }
      if (fault == Fault.CONFLICT) {
        status(out, 409, "Conflict", "the object has been modified (injected)", null);
        return;
      }
      if (fault == Fault.SERVER_ERROR) {
        status(out, 500, "InternalError", "an error on the server (injected)", null);
        return;
      }
      if (fault == Fault.TOO_MANY_REQUESTS) {
        status(out, 429, "TooManyRequests", "too many requests (injected)", "Retry-After: 1\r\n");
        return;
      }
      if (fault == Fault.SLOW) {
        Thread.sleep(between(500, 2500));
      }
      try (Socket upstream = new Socket(upstreamHost, upstreamPort)) {
        open.put(upstream, true);
        OutputStream up = upstream.getOutputStream();
        up.write(rewriteHead(lines, upgrade));
        up.write(body);
        up.flush();
        if (watch) {
          if (fault == Fault.DROPPED_WATCH) {
            long after = between(500, 4000);
            Thread cutter =
                new Thread(
                    () -> {
                      try {
                        Thread.sleep(after);
                      } catch (InterruptedException e) {
                        return;
                      }
                      quietly(client);
                      quietly(upstream);
                    },
                    "fault-proxy-drop");
            cutter.setDaemon(true);
            cutter.start();
          }
          pipe(upstream, client);
          return;
        }
        byte[] answer = upstream.getInputStream().readAllBytes();
        if (fault == Fault.LOST_ANSWER) {
          status(
              out,
              500,
              "InternalError",
              "the answer was lost (injected; the write was applied)",
              null);
          return;
        }
        out.write(answer);
        out.flush();
      } finally {
        open.keySet().removeIf(Socket::isClosed);
      }
    } catch (IOException e) {
      // the client or the server went away: nothing to answer
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      open.remove(client);
    }
  }

  /** The request head with {@code Connection: close} (unless it upgrades to a WebSocket). */
  private static byte[] rewriteHead(String[] lines, boolean upgrade) {
    StringBuilder sb = new StringBuilder(lines[0]).append("\r\n");
    for (int i = 1; i < lines.length; i++) {
      String l = lines[i];
      if (!upgrade && l.toLowerCase(Locale.ROOT).startsWith("connection:")) {
        continue;
      }
      if (l.toLowerCase(Locale.ROOT).startsWith("accept-encoding:")) {
        continue; // keep answers readable (and their length as the server gives it)
      }
      sb.append(l).append("\r\n");
    }
    if (!upgrade) {
      sb.append("Connection: close\r\n");
    }
    sb.append("\r\n");
    return sb.toString().getBytes(StandardCharsets.ISO_8859_1);
  }

  private static void pipe(Socket upstream, Socket client) throws IOException {
    Thread back =
        new Thread(
            () -> {
              try {
                upstream.getInputStream().transferTo(client.getOutputStream());
              } catch (IOException e) {
                // closed
              } finally {
                quietly(client);
                quietly(upstream);
              }
            },
            "fault-proxy-pipe");
    back.setDaemon(true);
    back.start();
    try {
      client.getInputStream().transferTo(upstream.getOutputStream());
    } catch (IOException e) {
      // closed
    } finally {
      try {
        back.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      quietly(client);
      quietly(upstream);
    }
  }

  private static void status(
      OutputStream out, int code, String reason, String message, String extra) throws IOException {
    String json =
        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
            + "\"message\":\""
            + message
            + "\",\"reason\":\""
            + reason
            + "\",\"code\":"
            + code
            + "}";
    byte[] b = json.getBytes(StandardCharsets.UTF_8);
    String head =
        "HTTP/1.1 "
            + code
            + " "
            + reason
            + "\r\nContent-Type: application/json\r\nContent-Length: "
            + b.length
            + "\r\nConnection: close\r\n"
            + (extra == null ? "" : extra)
            + "\r\n";
    out.write(head.getBytes(StandardCharsets.ISO_8859_1));
    out.write(b);
    out.flush();
  }

  private static String header(List<String[]> headers, String name) {
    for (String[] h : headers) {
      if (h[0].equalsIgnoreCase(name)) {
        return h[1];
      }
    }
    return null;
  }

  private static byte[] readHead(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int last4 = 0;
    while (true) {
      int c = in.read();
      if (c < 0) {
        return null;
      }
      b.write(c);
      last4 = (last4 << 8) | c;
      if (last4 == 0x0D0A0D0A) {
        byte[] all = b.toByteArray();
        return java.util.Arrays.copyOf(all, all.length - 4);
      }
      if (b.size() > 1 << 20) {
        throw new IOException("request head too large");
      }
    }
  }

  /** The body as sent (chunked bodies keep their framing, and the header stays). */
  private static byte[] readBody(InputStream in, List<String[]> headers) throws IOException {
    String length = header(headers, "Content-Length");
    if (length != null) {
      return in.readNBytes(Integer.parseInt(length));
    }
    String te = header(headers, "Transfer-Encoding");
    if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      while (true) {
        String sizeLine = readLine(in);
        b.write((sizeLine + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
        if (size == 0) {
          String trailer;
          while (!(trailer = readLine(in)).isEmpty()) {
            b.write((trailer + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
          }
          b.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
          return b.toByteArray();
        }
        b.write(in.readNBytes(size));
        b.write((readLine(in) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
      }
    }
    return new byte[0];
  }

  private static String readLine(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    int c;
    while ((c = in.read()) >= 0) {
      if (c == '\n') {
        break;
      }
      if (c != '\r') {
        sb.append((char) c);
      }
    }
    return sb.toString();
  }

  private static void quietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // closing
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException e) {
      // closing
    }
    open.keySet().forEach(FaultProxy::quietly);
  }
}
