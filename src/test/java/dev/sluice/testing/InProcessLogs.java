package dev.sluice.testing;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The sandbox and the benchmark print their own progress; the libraries they run in-process (the
 * mock API server logs every request at INFO) print only warnings. The daemon, a process of its
 * own, logs to its own file.
 */
public final class InProcessLogs {
  private InProcessLogs() {}

  private static Logger quiet; // held: a logger's level lives as long as it

  public static synchronized void quiet() {
    if (System.getProperty("java.util.logging.manager") == null) {
      try {
        Class.forName("org.jboss.logmanager.LogManager");
        System.setProperty("java.util.logging.manager", "org.jboss.logmanager.LogManager");
      } catch (ClassNotFoundException e) {
        // the JDK's own LogManager then
      }
    }
    quiet = Logger.getLogger("");
    quiet.setLevel(Level.WARNING);
  }
}
