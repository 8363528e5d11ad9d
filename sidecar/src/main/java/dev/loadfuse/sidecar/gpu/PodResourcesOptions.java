package dev.loadfuse.sidecar.gpu;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * Options of {@link PodResourcesClient}.
 *
 * @param socket the kubelet's PodResources socket; default {@link #DEFAULT_SOCKET}
 * @param deadline how long one {@code List} call may take; default {@link #DEFAULT_DEADLINE}
 * @param resourceNames extended resources whose devices are GPUs, exactly; default {@code
 *     nvidia.com/gpu}
 * @param resourcePrefixes extended resources whose devices are GPUs, by prefix; default {@code
 *     nvidia.com/mig-} (MIG strategy "mixed": {@code nvidia.com/mig-1g.10gb}, ...)
 */
public record PodResourcesOptions(
    Path socket, Duration deadline, Set<String> resourceNames, Set<String> resourcePrefixes) {

  public static final Path DEFAULT_SOCKET = Path.of("/var/lib/kubelet/pod-resources/kubelet.sock");
  public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(2);
  public static final Set<String> DEFAULT_RESOURCE_NAMES = Set.of("nvidia.com/gpu");
  public static final Set<String> DEFAULT_RESOURCE_PREFIXES = Set.of("nvidia.com/mig-");
  public static final PodResourcesOptions DEFAULTS =
      new PodResourcesOptions(
          DEFAULT_SOCKET, DEFAULT_DEADLINE, DEFAULT_RESOURCE_NAMES, DEFAULT_RESOURCE_PREFIXES);

  public PodResourcesOptions {
    Objects.requireNonNull(socket, "socket");
    Objects.requireNonNull(deadline, "deadline");
    if (deadline.isNegative() || deadline.isZero()) {
      throw new IllegalArgumentException("deadline: " + deadline + " (expected: > 0)");
    }
    resourceNames = Set.copyOf(resourceNames);
    resourcePrefixes = Set.copyOf(resourcePrefixes);
    if (resourceNames.isEmpty() && resourcePrefixes.isEmpty()) {
      throw new IllegalArgumentException(
          "resourceNames, resourcePrefixes: both empty (expected: at least one GPU resource)");
    }
  }

  public PodResourcesOptions withSocket(Path socket) {
    return new PodResourcesOptions(socket, deadline, resourceNames, resourcePrefixes);
  }

  public PodResourcesOptions withDeadline(Duration deadline) {
    return new PodResourcesOptions(socket, deadline, resourceNames, resourcePrefixes);
  }

  public PodResourcesOptions withResources(Set<String> names, Set<String> prefixes) {
    return new PodResourcesOptions(socket, deadline, names, prefixes);
  }

  /** Whether devices of extended resource {@code resourceName} are GPUs. */
  public boolean isGpuResource(String resourceName) {
    if (resourceNames.contains(resourceName)) {
      return true;
    }
    for (String p : resourcePrefixes) {
      if (resourceName.startsWith(p)) {
        return true;
      }
    }
    return false;
  }

  /** {@code unix:///var/lib/...}: how the socket is named in messages. */
  public String target() {
    return "unix://" + socket.toAbsolutePath();
  }
}
