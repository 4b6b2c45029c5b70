package org.plscj.eval;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.plscj.io.AtomicFile;

/**
 * A ROC curve: true- and false-positive rates of "same" predictions ({@code dist < threshold}) per
 * squared-distance threshold, as {@link VerificationMetrics} computes them. Written as a PNG plot
 * (TPR over FPR) and as CSV ({@code threshold,tpr,fpr}, one row per threshold). Both writes are
 * atomic: a reader never sees a half-written file.
 *
 * @param name the plot's title and series name, e.g. the target {@code lfw}
 */
public record RocCurve(String name, double[] thresholds, double[] tpr, double[] fpr) {
    private static final int WIDTH = 640;
    private static final int HEIGHT = 480;

    public RocCurve {
        if (tpr.length != thresholds.length || fpr.length != thresholds.length || thresholds.length == 0) {
            throw new IllegalArgumentException("ROC " + name + ": thresholds, tpr and fpr need the same non-zero length, got "
                    + thresholds.length + ", " + tpr.length + ", " + fpr.length);
        }
    }

    /** Plots TPR over FPR into a {@value #WIDTH}×{@value #HEIGHT} PNG. Works without a display. */
    public void writePng(Path file) throws IOException {
        byte[] png = png();
        AtomicFile.write(file, out -> out.write(png));
    }

    /** The PNG {@link #writePng} writes, as bytes (for an image summary). */
    public byte[] png() throws IOException {
        // why: rendering must not need an X server (training hosts have none); it only takes effect
        // if no AWT toolkit was created before, and nothing here needs a display either way
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title("ROC " + name)
                .xAxisTitle("false positive rate").yAxisTitle("true positive rate").build();
        chart.getStyler().setXAxisMin(0.0).setXAxisMax(1.0).setYAxisMin(0.0).setYAxisMax(1.0).setLegendVisible(false);
        XYSeries series = chart.addSeries(name, fpr, tpr);
        series.setMarker(SeriesMarkers.NONE);
        return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
    }

    /** Writes {@code threshold,tpr,fpr} and one row per threshold, values as Java prints doubles (round-trip exact). */
    public void writeCsv(Path file) throws IOException {
        AtomicFile.write(file, out -> {
            Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
            w.write("threshold,tpr,fpr\n");
            for (int t = 0; t < thresholds.length; t++) {
                w.write(thresholds[t] + "," + tpr[t] + "," + fpr[t] + "\n");
            }
            w.flush();
        });
    }
}
