package dev.loadfuse.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.TypeRegistry;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.HealthCheck;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Checks an Envoy bootstrap: it must parse into Envoy's own {@code Bootstrap} message (every field
 * name and enum value is checked against Envoy's API), and wire the picker as the reference
 * expects: an ext_proc filter before the router with FULL_DUPLEX_STREAMED bodies, a gRPC cluster
 * for it over HTTP/2 with gRPC health checks of the ext_proc service name, and routes to an
 * {@code original_dst} cluster that reads {@code x-gateway-destination-endpoint}.
 */
final class EnvoyBootstrapCheck {

  static final String EXT_PROC_SERVICE = "envoy.service.ext_proc.v3.ExternalProcessor";
  static final String DESTINATION_HEADER = "x-gateway-destination-endpoint";

  private static final TypeRegistry TYPES = TypeRegistry.newBuilder()
      .add(HttpConnectionManager.getDescriptor())
      .add(ExternalProcessor.getDescriptor())
      .add(Router.getDescriptor())
      .add(HttpProtocolOptions.getDescriptor())
      .build();

  private EnvoyBootstrapCheck() {}

  static boolean isBootstrap(JsonNode doc) {
    return doc.has("static_resources");
  }

  static Bootstrap parse(JsonNode doc, String where) {
    Bootstrap.Builder b = Bootstrap.newBuilder();
    try {
      JsonFormat.parser().usingTypeRegistry(TYPES).merge(doc.toString(), b);
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError(where + ": not a valid Envoy v3 bootstrap: " + e.getMessage(), e);
    }
    return b.build();
  }

  static void check(JsonNode doc, String where) throws InvalidProtocolBufferException {
    Bootstrap bootstrap = parse(doc, where);
    Map<String, Cluster> clusters = bootstrap.getStaticResources().getClustersList().stream()
        .collect(Collectors.toMap(Cluster::getName, Function.identity()));

    List<HttpConnectionManager> managers = new ArrayList<>();
    for (Listener l : bootstrap.getStaticResources().getListenersList()) {
      for (FilterChain chain : l.getFilterChainsList()) {
        for (Filter f : chain.getFiltersList()) {
          if (f.getTypedConfig().is(HttpConnectionManager.class)) {
            managers.add(f.getTypedConfig().unpack(HttpConnectionManager.class));
          }
        }
      }
    }
    assertThat(managers).as(where + ": HTTP connection managers").isNotEmpty();

    for (HttpConnectionManager hcm : managers) {
      List<HttpFilter> filters = hcm.getHttpFiltersList();
      int extProcAt = -1;
      int routerAt = -1;
      for (int i = 0; i < filters.size(); i++) {
        if (filters.get(i).getTypedConfig().is(ExternalProcessor.class)) {
          extProcAt = i;
        } else if (filters.get(i).getTypedConfig().is(Router.class)) {
          routerAt = i;
        }
      }
      assertThat(extProcAt).as(where + ": an ext_proc http filter").isGreaterThanOrEqualTo(0);
      assertThat(routerAt).as(where + ": the router after the ext_proc filter").isGreaterThan(extProcAt);

      ExternalProcessor extProc = filters.get(extProcAt).getTypedConfig().unpack(ExternalProcessor.class);
      ProcessingMode mode = extProc.getProcessingMode();
      assertThat(mode.getRequestHeaderMode()).as(where + ": request_header_mode").isEqualTo(ProcessingMode.HeaderSendMode.SEND);
      assertThat(mode.getRequestBodyMode()).as(where + ": request_body_mode").isEqualTo(ProcessingMode.BodySendMode.FULL_DUPLEX_STREAMED);
      assertThat(mode.getResponseBodyMode()).as(where + ": response_body_mode").isEqualTo(ProcessingMode.BodySendMode.FULL_DUPLEX_STREAMED);
      // Envoy refuses FULL_DUPLEX_STREAMED request bodies unless request trailers are sent too.
      assertThat(mode.getRequestTrailerMode()).as(where + ": request_trailer_mode").isEqualTo(ProcessingMode.HeaderSendMode.SEND);

      String pickerCluster = extProc.getGrpcService().getEnvoyGrpc().getClusterName();
      assertThat(clusters).as(where + ": ext_proc grpc_service.envoy_grpc.cluster_name").containsKey(pickerCluster);
      Cluster picker = clusters.get(pickerCluster);
      HttpProtocolOptions http = picker.getTypedExtensionProtocolOptionsOrThrow("envoy.extensions.upstreams.http.v3.HttpProtocolOptions")
          .unpack(HttpProtocolOptions.class);
      assertThat(http.getExplicitHttpConfig().hasHttp2ProtocolOptions()).as(where + ": " + pickerCluster + " speaks HTTP/2 (gRPC)").isTrue();
      assertThat(picker.getHealthChecksList()).as(where + ": " + pickerCluster + " health checks")
          .anySatisfy(hc -> {
            assertThat(hc.getHealthCheckerCase()).isEqualTo(HealthCheck.HealthCheckerCase.GRPC_HEALTH_CHECK);
            assertThat(hc.getGrpcHealthCheck().getServiceName()).isEqualTo(EXT_PROC_SERVICE);
          });

      List<String> routed = new ArrayList<>();
      for (VirtualHost vh : hcm.getRouteConfig().getVirtualHostsList()) {
        for (Route r : vh.getRoutesList()) {
          routed.add(r.getRoute().getCluster());
        }
      }
      assertThat(routed).as(where + ": routes").isNotEmpty();
      for (String name : routed) {
        assertThat(clusters).as(where + ": route cluster").containsKey(name);
        Cluster c = clusters.get(name);
        assertThat(c.getType()).as(where + ": cluster " + name + " type").isEqualTo(Cluster.DiscoveryType.ORIGINAL_DST);
        assertThat(c.getLbPolicy()).as(where + ": cluster " + name + " lb_policy").isEqualTo(Cluster.LbPolicy.CLUSTER_PROVIDED);
        assertThat(c.getOriginalDstLbConfig().getUseHttpHeader()).as(where + ": " + name + " original_dst_lb_config.use_http_header").isTrue();
        assertThat(c.getOriginalDstLbConfig().getHttpHeaderName()).as(where + ": " + name + " original_dst_lb_config.http_header_name")
            .isEqualTo(DESTINATION_HEADER);
      }
    }
  }
}
