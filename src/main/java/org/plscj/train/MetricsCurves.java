package org.plscj.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.plscj.io.AtomicFile;

/**
 * PNG curves of a run from its metrics: loss.png, lr.png, and accuracy.png (training accuracy and
 * every extra value whose name ends in "acc", such as {@code lfw_acc}) when there is any.
 */
final class MetricsCurves {
    static {
        // why: training machines have no display; AWT must know before its first class loads
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private static final int WIDTH = 800;
    private static final int HEIGHT = 500;

    private MetricsCurves() {}

    static void write(List<MetricsEntry> entries, Path dir) throws IOException {
        writeChart(dir.resolve("loss.png"), "loss", Map.of("loss", points(entries, MetricsEntry::loss)));
        writeChart(dir.resolve("lr.png"), "learning rate", Map.of("lr", points(entries, MetricsEntry::lr)));
        Map<String, double[][]> accuracies = new LinkedHashMap<>();
        accuracies.put("train acc", points(entries, MetricsEntry::acc));
        TreeSet<String> names = new TreeSet<>();
        entries.forEach(e -> e.extra().keySet().stream().filter(n -> n.endsWith("acc")).forEach(names::add));
        names.forEach(n -> accuracies.put(n, points(entries, e -> e.extra().get(n))));
        writeChart(dir.resolve("accuracy.png"), "accuracy", accuracies);
    }

    /** {xs, ys} of the entries where {@code value} is present and finite. */
    private static double[][] points(List<MetricsEntry> entries, Function<MetricsEntry, Double> value) {
        List<double[]> kept = new ArrayList<>();
        for (MetricsEntry e : entries) {
            Double v = value.apply(e);
            if (v != null && Double.isFinite(v)) {
                kept.add(new double[] {e.step(), v});
            }
        }
        double[][] xy = new double[2][kept.size()];
        for (int i = 0; i < kept.size(); i++) {
            xy[0][i] = kept.get(i)[0];
            xy[1][i] = kept.get(i)[1];
        }
        return xy;
    }

    /** Writes the chart of the non-empty series, or nothing when every series is empty. */
    private static void writeChart(Path target, String title, Map<String, double[][]> series) throws IOException {
        if (series.values().stream().allMatch(xy -> xy[0].length == 0)) {
            return;
        }
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .xAxisTitle("step").yAxisTitle(title).build();
        chart.getStyler().setLegendVisible(series.size() > 1);
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        series.forEach((name, xy) -> {
            if (xy[0].length > 0) {
                chart.addSeries(name, xy[0], xy[1]).setMarker(SeriesMarkers.NONE);
            }
        });
        byte[] png = BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
        AtomicFile.write(target, out -> out.write(png));
    }
}
