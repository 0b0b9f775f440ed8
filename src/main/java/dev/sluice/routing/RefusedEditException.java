package dev.sluice.routing;

/**
 * An edit that Sluice will not make, because the object as read cannot be edited without breaking a
 * traffic invariant or guessing. Nothing was written; a person has to fix the object (or the
 * decision that asked for the edit is wrong). Retrying the same edit on the same object fails the
 * same way.
 */
public class RefusedEditException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public RefusedEditException(String message) {
    super(message);
  }
}
