package dev.loadfuse.picker.extproc;

import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Envoy's filter metadata as plain maps: namespace → field → string, number, boolean, list, map or null. */
final class EnvoyMetadata {

  private EnvoyMetadata() {}

  static Map<String, Map<String, Object>> of(Metadata metadata) {
    Map<String, Map<String, Object>> out = new LinkedHashMap<>();
    metadata.getFilterMetadataMap().forEach((namespace, struct) -> out.put(namespace, map(struct)));
    return out;
  }

  private static Map<String, Object> map(Struct struct) {
    Map<String, Object> out = new LinkedHashMap<>();
    struct.getFieldsMap().forEach((k, v) -> out.put(k, value(v)));
    return out;
  }

  private static Object value(Value v) {
    return switch (v.getKindCase()) {
      case STRING_VALUE -> v.getStringValue();
      case NUMBER_VALUE -> v.getNumberValue();
      case BOOL_VALUE -> v.getBoolValue();
      case STRUCT_VALUE -> map(v.getStructValue());
      case LIST_VALUE -> list(v.getListValue());
      case NULL_VALUE, KIND_NOT_SET -> null;
    };
  }

  private static List<Object> list(ListValue l) {
    List<Object> out = new ArrayList<>(l.getValuesCount());
    l.getValuesList().forEach(v -> out.add(value(v)));
    return out;
  }
}
