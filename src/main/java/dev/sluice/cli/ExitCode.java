package dev.sluice.cli;

/** The exit codes of {@code kubectl sluice}, as docs/kubectl-plugin.md lists them. */
public final class ExitCode {
  /** Done: listed, applied, or the watched release succeeded. */
  public static final int OK = 0;

  /** Sluice refused the action, or the watched release was rolled back or failed. */
  public static final int REFUSED = 1;

  /** The command line is wrong. */
  public static final int USAGE = 2;

  /** No such Canary (or no Canary type on the cluster: Sluice is not installed). */
  public static final int NOT_FOUND = 3;

  /** The cluster cannot be reached, or the kubeconfig's user may not do this. */
  public static final int NO_ACCESS = 4;

  /** Sluice did not answer the action in time (the annotation stays). */
  public static final int NO_ANSWER = 5;

  private ExitCode() {}
}
