package dev.loadfuse.benchmarks.routing;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** Latency and throughput against QPS, one line per policy, as PNG (XChart, headless). */
final class Charts {

  private Charts() {}

  static List<Path> write(Path dir, String workload, List<Summary> summaries) throws IOException {
    System.setProperty("java.awt.headless", "true");
    List<Path> out = new ArrayList<>();
    out.add(chart(dir, workload, "ttft-p90", "TTFT p90 (s)", summaries, Summary::ttftP90));
    out.add(chart(dir, workload, "e2e-p90", "end-to-end latency p90 (s)", summaries, Summary::e2eP90));
    out.add(chart(dir, workload, "throughput", "output tokens/s", summaries, Summary::outputTokensPerSecond));
    return out;
  }

  /** Okabe-Ito: distinct for every policy, also for colour-blind readers. */
  private static final java.awt.Color[] PALETTE = {
      new java.awt.Color(0x000000), new java.awt.Color(0xE69F00), new java.awt.Color(0x56B4E9),
      new java.awt.Color(0x009E73), new java.awt.Color(0xD55E00), new java.awt.Color(0x0072B2),
      new java.awt.Color(0xCC79A7), new java.awt.Color(0xF0E442)};

  private static Path chart(Path dir, String workload, String name, String yTitle, List<Summary> summaries,
      ToDoubleFunction<Summary> y) throws IOException {
    XYChart chart = new XYChartBuilder().width(800).height(500)
        .title(workload + ": " + yTitle + " vs QPS (simulated time)").xAxisTitle("QPS").yAxisTitle(yTitle).build();
    chart.getStyler().setMarkerSize(7);
    Map<String, List<Summary>> byPolicy = new LinkedHashMap<>();
    for (Summary s : summaries) {
      byPolicy.computeIfAbsent(s.policy(), k -> new ArrayList<>()).add(s);
    }
    int color = 0;
    for (var e : byPolicy.entrySet()) {
      // A point without a value (e.g. no request finished) is left out, not drawn as 0.
      List<Summary> points = e.getValue().stream().filter(s -> !Double.isNaN(y.applyAsDouble(s))).toList();
      java.awt.Color c = PALETTE[color++ % PALETTE.length];
      if (points.isEmpty()) {
        continue;
      }
      double[] xs = points.stream().mapToDouble(Summary::qps).toArray();
      double[] ys = points.stream().mapToDouble(y).toArray();
      var series = chart.addSeries(e.getKey(), xs, ys);
      series.setMarker(SeriesMarkers.CIRCLE);
      series.setLineColor(c);
      series.setMarkerColor(c);
    }
    Path file = dir.resolve(workload + "-" + name + ".png");
    BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    return file;
  }
}
