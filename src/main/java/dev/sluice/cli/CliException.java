package dev.sluice.cli;

/** Ends a command with an exit code and a message for the person who typed it. */
final class CliException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The exit code, one of {@link ExitCode}'s. */
  final int code;

  CliException(int code, String message) {
    super(message);
    this.code = code;
  }
}
