package dev.loadfuse.picker.testing;

import java.time.Instant;
import java.time.InstantSource;

/** A wall clock the test moves by hand. Thread-safe. */
public final class TestClock implements InstantSource {

  private volatile long millis;

  public TestClock(long millis) {
    this.millis = millis;
  }

  @Override
  public Instant instant() {
    return Instant.ofEpochMilli(millis);
  }

  @Override
  public long millis() {
    return millis;
  }

  public void set(long newMillis) {
    millis = newMillis;
  }

  public void advance(long byMillis) {
    millis += byMillis;
  }
}
