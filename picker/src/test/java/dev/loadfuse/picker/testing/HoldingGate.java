package dev.loadfuse.picker.testing;

import dev.loadfuse.picker.admission.AdmissionGate;
import java.util.ArrayList;
import java.util.List;

/** An admission gate that holds every request until the test lets it go (or refuses it); counts cancellations. */
public final class HoldingGate implements AdmissionGate {

  public final List<Ticket> held = new ArrayList<>();
  public int cancelled;

  @Override
  public Wait enter(Ticket ticket) {
    held.add(ticket);
    return () -> cancelled++;
  }
}
