package dev.loadfuse.sidecar.api;

/**
 * Who a {@link LoadVector} describes.
 *
 * @param name the endpoint's name, unique within its pool
 * @param address IP literal (IPv6 without brackets) or hostname the model server listens on
 * @param port the inference port
 * @param pool the pool, {@code namespace/name} in Kubernetes or just {@code name} locally
 */
public record EndpointId(String name, String address, int port, String pool) {

  public EndpointId {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("name: missing");
    }
    if (address == null || address.isBlank()) {
      throw new IllegalArgumentException("address: missing (endpoint " + name + ")");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port: " + port + " (expected: [1, 65535])");
    }
    if (pool == null) {
      pool = "";
    }
  }

  /** {@code ip:port} as Envoy's {@code x-gateway-destination-endpoint} wants it (IPv6 in brackets). */
  public String hostPort() {
    return (address.indexOf(':') >= 0 ? "[" + address + "]" : address) + ":" + port;
  }
}
