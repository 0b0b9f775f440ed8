package dev.sluice.cli;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code kubectl sluice}: the kubectl plugin's entry point ({@code bin/kubectl-sluice} runs {@link
 * #main}). It connects as kubectl does (the kubeconfig of {@code --kubeconfig}, {@code KUBECONFIG}
 * or {@code ~/.kube/config}, its current context or {@code --context}), runs one command and exits
 * with one of {@link ExitCode}'s codes. docs/kubectl-plugin.md has the commands.
 */
public final class KubectlSluice {
  private KubectlSluice() {}

  public static void main(String[] argv) {
    int code;
    Args args;
    try {
      args = Args.parse(argv);
    } catch (CliException e) {
      System.err.println("error: " + e.getMessage());
      System.exit(e.code);
      return;
    }
    if (args.command().equals("help")) {
      System.out.print(Args.USAGE);
      System.exit(ExitCode.OK);
    }
    try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config(args)).build()) {
      code = run(argv, client, System.out, System.err, System.console() != null);
    } catch (CliException e) {
      System.err.println("error: " + e.getMessage());
      code = e.code;
    }
    System.out.flush();
    System.exit(code);
  }

  /**
   * Runs the command line {@code argv} against {@code client}, as a person types it after {@code
   * kubectl sluice}; returns the exit code. Output goes to {@code out}, problems to {@code err}.
   */
  public static int run(String[] argv, KubernetesClient client, PrintStream out, PrintStream err) {
    return run(argv, client, out, err, false);
  }

  static int run(
      String[] argv, KubernetesClient client, PrintStream out, PrintStream err, boolean terminal) {
    try {
      Args args = Args.parse(argv);
      Canaries canaries = new Canaries(client);
      String namespace = args.namespace() != null ? args.namespace() : defaultNamespace(client);
      return switch (args.command()) {
        case "help" -> {
          out.print(Args.USAGE);
          yield ExitCode.OK;
        }
        case "get" -> GetCommand.run(canaries, args, out);
        case "watch" -> new WatchCommand(canaries, out, terminal).run(args, namespace);
        default ->
            new ActionCommand(client, canaries, out)
                .run(args, namespace, args.by() != null ? args.by() : user());
      };
    } catch (CliException e) {
      err.println("error: " + e.getMessage());
      return e.code;
    } catch (KubernetesClientException e) {
      err.println("error: " + Access.explain(e, client));
      return Access.code(e);
    }
  }

  private static String defaultNamespace(KubernetesClient client) {
    String ns = client.getNamespace();
    return ns == null || ns.isBlank() ? "default" : ns;
  }

  /**
   * Who asks, when {@code --by} is not given: the login name, if it is a plain name Sluice records
   * (else Sluice records the field manager, {@code kubectl-sluice}).
   */
  static String user() {
    String u = System.getenv("USER");
    if (u == null || u.isBlank()) {
      u = System.getProperty("user.name");
    }
    if (u == null || u.isBlank() || u.length() > 63 || !u.matches("[A-Za-z0-9._@ -]+")) {
      return null;
    }
    return u.strip();
  }

  /**
   * Without a kubeconfig fabric8 falls back to the in-cluster address, which means nothing on a
   * person's machine: say what is missing instead.
   */
  private static void noKubeconfig() {
    if (System.getenv("KUBERNETES_SERVICE_HOST") != null) {
      return; // in a pod: the service account's access
    }
    String env = System.getenv("KUBECONFIG");
    if (env != null && !env.isBlank()) {
      boolean any = false;
      for (String f : env.split(java.io.File.pathSeparator)) {
        any |= !f.isBlank() && Files.isReadable(Path.of(f));
      }
      if (!any) {
        throw new CliException(ExitCode.NO_ACCESS, "KUBECONFIG names no readable file: " + env);
      }
      return;
    }
    Path home = Path.of(System.getProperty("user.home"), ".kube", "config");
    if (!Files.isReadable(home)) {
      throw new CliException(
          ExitCode.NO_ACCESS,
          "no kubeconfig: set KUBECONFIG or --kubeconfig, or create " + home + " (as for kubectl)");
    }
  }

  private static Config config(Args args) {
    try {
      if (args.kubeconfig() != null) {
        Path file = Path.of(args.kubeconfig());
        if (!Files.isReadable(file)) {
          throw new CliException(ExitCode.NO_ACCESS, "cannot read kubeconfig " + file);
        }
        return Config.fromKubeconfig(args.context(), Files.readString(file), file.toString());
      }
      noKubeconfig();
      return args.context() == null
          ? new ConfigBuilder().build()
          : Config.autoConfigure(args.context());
    } catch (IOException | KubernetesClientException e) {
      throw new CliException(ExitCode.NO_ACCESS, "cannot read the kubeconfig: " + e.getMessage());
    }
  }
}
