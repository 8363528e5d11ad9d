package dev.loadfuse.common.errors;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.UndeclaredThrowableException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The one place that turns a failure into what a person reads and what a process exits with.
 *
 * <p>{@link #message} looks through the wrappers that futures and reflection add ({@link
 * CompletionException}, {@link ExecutionException}, {@link InvocationTargetException}, {@link
 * UndeclaredThrowableException}) and through exceptions that only repeat their cause, but keeps
 * the context an exception adds to its cause ({@code endpoints.yaml: endpoints[1]: ...} stays,
 * rather than the bare cause). {@link #exitCode} maps a failure to the exit codes every
 * command-line tool of loadfuse shares.
 */
public final class Problems {

  /** Success. */
  public static final int EXIT_OK = 0;
  /** A bug or the JVM itself failed (out of memory, stack overflow): not the user's input. */
  public static final int EXIT_INTERNAL = 1;
  /** Bad input: arguments, settings, files the user named; one line on stderr says what. */
  public static final int EXIT_USAGE = 2;
  /** A facility the user asked for is missing on this machine ({@link UnavailableException}). */
  public static final int EXIT_UNAVAILABLE = 3;

  private Problems() {}

  /** {@code t} without the wrappers of futures and reflection. */
  public static Throwable unwrap(Throwable t) {
    Throwable c = t;
    while ((c instanceof CompletionException || c instanceof ExecutionException
        || c instanceof InvocationTargetException || c instanceof UndeclaredThrowableException)
        && c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    return c;
  }

  /**
   * One line for a person: the message of {@code t} after {@link #unwrap}, of its cause when it
   * has none of its own or only repeats its cause's; an {@link OutOfMemoryError} reads {@code out
   * of memory: Java heap space}; an exception without any message reads as its class's simple
   * name.
   */
  public static String message(Throwable t) {
    Throwable c = unwrap(t);
    while (c.getCause() != null && c.getCause() != c && (c.getMessage() == null
        || c.getMessage().equals(c.getCause().toString()))) {
      c = unwrap(c.getCause());
    }
    if (c instanceof OutOfMemoryError) {
      return "out of memory" + (c.getMessage() == null ? "" : ": " + c.getMessage());
    }
    if (c instanceof StackOverflowError) {
      return "stack overflow (StackOverflowError)";
    }
    String m = c.getMessage();
    return m == null || m.isBlank() ? c.getClass().getSimpleName() : firstLine(m);
  }

  /**
   * The exit code for a failure: {@link #EXIT_UNAVAILABLE} for an {@link UnavailableException},
   * {@link #EXIT_INTERNAL} for an {@link Error} (out of memory, a bug), else {@link #EXIT_USAGE}.
   */
  public static int exitCode(Throwable t) {
    if (find(t, UnavailableException.class) != null) {
      return EXIT_UNAVAILABLE;
    }
    if (find(t, Error.class) != null) {
      return EXIT_INTERNAL;
    }
    return EXIT_USAGE;
  }

  /** The first of {@code t} and its causes that is a {@code type}; null if none is. */
  public static <T extends Throwable> T find(Throwable t, Class<T> type) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (type.isInstance(c)) {
        return type.cast(c);
      }
    }
    return null;
  }

  /**
   * The message of the deepest cause that has one ({@code ""} when none has), for a layer that
   * adds its own context around the lowest-level reason (e.g. {@code Connection refused} under a
   * gRPC status).
   */
  public static String deepestMessage(Throwable t) {
    String m = "";
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c.getMessage() != null && !c.getMessage().isBlank()) {
        m = c.getMessage();
      }
    }
    return m;
  }

  /** The deepest cause of {@code t}. */
  public static Throwable root(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    return c;
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
