package dev.loadfuse.picker.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Bounded polling for conditions reached asynchronously (no fixed sleeps): the shared {@link
 * dev.loadfuse.common.testing.Await}, kept under this name for the picker's tests.
 */
public final class Await {

  private Await() {}

  public static void until(String what, BooleanSupplier condition) {
    dev.loadfuse.common.testing.Await.until(what, condition);
  }

  public static void until(String what, Duration limit, BooleanSupplier condition) {
    dev.loadfuse.common.testing.Await.until(what, limit, condition);
  }
}
