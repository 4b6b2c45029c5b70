package org.plscj.eval;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.plscj.io.AtomicFile;

/**
 * A ROC curve: true- and false-positive rates of "same" predictions ({@code dist < threshold}) per
 * threshold, as {@link VerificationMetrics} (or an IJB evaluation) computes them. Written as a PNG plot
 * (TPR over FPR, the FPR axis logarithmic) and as CSV ({@code threshold,tpr,fpr}, one row per threshold). Both writes are
 * atomic: a reader never sees a half-written file.
 *
 * @param name the plot's title and series name, e.g. the target {@code lfw}
 */
public record RocCurve(String name, double[] thresholds, double[] tpr, double[] fpr) {
    private static final int WIDTH = 640;
    private static final int HEIGHT = 480;
    /** The FAR targets a ROC plot marks: those of IJB-B/C tables (eval_ijbc.py's x_labels). */
    public static final double[] MARKED_FARS = {1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1};

    public RocCurve {
        if (tpr.length != thresholds.length || fpr.length != thresholds.length || thresholds.length == 0) {
            throw new IllegalArgumentException("ROC " + name + ": thresholds, tpr and fpr need the same non-zero length, got "
                    + thresholds.length + ", " + tpr.length + ", " + fpr.length);
        }
    }

    /**
     * Plots TPR over FPR into a {@value #WIDTH}×{@value #HEIGHT} PNG with a logarithmic FPR axis, as face recognition
     * reads ROCs, marking the TPR at each of {@link #MARKED_FARS} the curve reaches ({@link #tprAtFpr}). Works without a
     * display.
     */
    public void writePng(Path file) throws IOException {
        byte[] png = png();
        AtomicFile.write(file, out -> out.write(png));
    }

    /** As {@link #writePng(Path)}, marking the given points (e.g. a table's TAR@FAR, computed its own way) instead. */
    public void writePng(Path file, double[] markFar, double[] markTar) throws IOException {
        byte[] png = png(markFar, markTar);
        AtomicFile.write(file, out -> out.write(png));
    }

    /** The PNG {@link #writePng(Path)} writes, as bytes (for an image summary). */
    public byte[] png() throws IOException {
        double[] tars = new double[MARKED_FARS.length];
        for (int i = 0; i < tars.length; i++) {
            tars[i] = tprAtFpr(MARKED_FARS[i]);
        }
        return png(MARKED_FARS, tars);
    }

    /** The largest TPR among the points whose FPR is at most {@code far} (0 when there is none). */
    public double tprAtFpr(double far) {
        double best = 0;
        for (int t = 0; t < fpr.length; t++) {
            if (fpr[t] <= far) {
                best = Math.max(best, tpr[t]);
            }
        }
        return best;
    }

    /** The PNG of {@link #writePng(Path, double[], double[])}. */
    public byte[] png(double[] markFar, double[] markTar) throws IOException {
        // why: rendering must not need an X server (training hosts have none); it only takes effect
        // if no AWT toolkit was created before, and nothing here needs a display either way
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
        // a log axis cannot show FPR 0: the curve starts at its smallest positive FPR, the axis at that decade
        double smallest = 1;
        for (double f : fpr) {
            smallest = f > 0 ? Math.min(smallest, f) : smallest;
        }
        double axisMin = Math.min(0.1, Math.pow(10, Math.floor(Math.log10(smallest))));
        List<double[]> curve = new ArrayList<>();
        for (int t = 0; t < fpr.length; t++) {
            if (fpr[t] > 0) {
                curve.add(new double[] {fpr[t], tpr[t]});
            }
        }
        curve.sort(Comparator.comparingDouble((double[] p) -> p[0]).thenComparingDouble(p -> p[1]));
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title("ROC " + name)
                .xAxisTitle("false positive rate (log)").yAxisTitle("true positive rate").build();
        chart.getStyler().setXAxisLogarithmic(true).setXAxisMin(axisMin).setXAxisMax(1.0).setYAxisMin(0.0).setYAxisMax(1.0)
                .setLegendPosition(Styler.LegendPosition.InsideSE);
        XYSeries series = chart.addSeries(name, curve.stream().mapToDouble(p -> p[0]).toArray(), curve.stream().mapToDouble(p -> p[1]).toArray());
        series.setMarker(SeriesMarkers.NONE);
        List<double[]> marks = new ArrayList<>();
        for (int i = 0; i < markFar.length; i++) {
            if (markFar[i] >= axisMin) {
                marks.add(new double[] {markFar[i], markTar[i]});
                chart.addAnnotation(new AnnotationText(String.format(Locale.ROOT, "%.2f%%", 100 * markTar[i]), markFar[i],
                        Math.max(0.03, markTar[i] - 0.04), false));
            }
        }
        if (!marks.isEmpty()) {
            XYSeries points = chart.addSeries("TAR at FAR", marks.stream().mapToDouble(p -> p[0]).toArray(),
                    marks.stream().mapToDouble(p -> p[1]).toArray());
            points.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
            points.setMarker(SeriesMarkers.CIRCLE);
        }
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
