package org.plscj.eval.ijb;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.plscj.eval.RocCurve;
import org.plscj.io.AtomicFile;

/**
 * The numbers of one IJB evaluation: TAR at each of {@link SklearnRoc#FAR_TARGETS}, shown as eval_ijbc.py's table
 * (percent, two decimals), and what was left out — every skipped image by name, the pairs left unscored.
 *
 * @param skipped one message per skipped image (file, landmark line, reason), in meta order
 * @param emptyTemplates templates none of whose images was embedded
 * @param unscoredPairs pairs without a score (an empty template, or a malformed line under skip-bad)
 * @param tar TAR at each of {@link SklearnRoc#FAR_TARGETS}
 */
public record IjbReport(String target, String model, FeatureModes modes, int images, List<String> skipped, int templates,
        int emptyTemplates, int pairs, int unscoredPairs, SklearnRoc roc, double[] tar) {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public IjbReport {
        skipped = List.copyOf(skipped);
    }

    static IjbReport of(IjbMeta meta, String model, FeatureModes modes, List<String> skipped, TemplateFeatures templates, double[] scores,
            SklearnRoc roc) {
        int empty = 0;
        int real = 0;
        for (int t = 0; t < templates.ids().length; t++) {
            if (templates.ids()[t] != IjbMeta.NO_TEMPLATE) {
                real++;
                empty += templates.features()[t] == null ? 1 : 0;
            }
        }
        int unscored = (int) Arrays.stream(scores).filter(Double::isNaN).count();
        return new IjbReport(meta.target(), model, modes, meta.images(), skipped, real, empty, meta.pairs(), unscored, roc,
                roc.tarAtFarTargets());
    }

    /** A FAR target as Python prints it ({@code str(10 ** -4)} is {@code 0.0001}, {@code str(10 ** -5)} is {@code 1e-05}). */
    static String farLabel(double far) {
        return far < 1e-4 ? String.format(Locale.ROOT, "%.0e", far) : BigDecimal.valueOf(far).stripTrailingZeros().toPlainString();
    }

    /** eval_ijbc.py's PrettyTable: a row {@code <model>-<target>} of TAR percentages under the FAR targets. */
    public String table() {
        String[] header = new String[tar.length + 1];
        String[] row = new String[tar.length + 1];
        header[0] = "Methods";
        row[0] = model + "-" + target;
        for (int i = 0; i < tar.length; i++) {
            header[i + 1] = farLabel(SklearnRoc.FAR_TARGETS[i]);
            row[i + 1] = String.format(Locale.ROOT, "%.2f", tar[i] * 100);
        }
        StringBuilder rule = new StringBuilder("+");
        int[] widths = new int[header.length];
        for (int i = 0; i < header.length; i++) {
            widths[i] = Math.max(header[i].length(), row[i].length()) + 2;
            rule.append("-".repeat(widths[i])).append('+');
        }
        String line = rule + "\n";
        return line + cells(header, widths) + line + cells(row, widths) + line + summary();
    }

    private static String cells(String[] values, int[] widths) {
        StringBuilder out = new StringBuilder("|");
        for (int i = 0; i < values.length; i++) {
            int pad = widths[i] - values[i].length();
            out.append(" ".repeat(pad / 2)).append(values[i]).append(" ".repeat(pad - pad / 2)).append('|');
        }
        return out.append('\n').toString();
    }

    private String summary() {
        return String.format(Locale.ROOT, "%s %s: %d images (%d skipped), %d templates (%d empty), %d pairs (%d unscored), AUC %.4f%%%n",
                target, modes, images, skipped.size(), templates, emptyTemplates, pairs, unscoredPairs, roc.auc() * 100);
    }

    /** Everything above, TAR at full precision, written atomically. */
    public void writeJson(Path file) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("target", target).put("model", model).put("modes", modes.toString());
        root.putObject("flags").put("flip_test", modes.flip()).put("norm_score", modes.normScore())
                .put("detector_score", modes.detectorScore());
        root.put("images", images).put("images_skipped", skipped.size());
        skipped.forEach(root.putArray("skipped")::add);
        root.put("templates", templates).put("templates_empty", emptyTemplates);
        root.put("pairs", pairs).put("pairs_unscored", unscoredPairs);
        ObjectNode tars = root.putObject("tar_at_far");
        for (int i = 0; i < tar.length; i++) {
            tars.put(farLabel(SklearnRoc.FAR_TARGETS[i]), tar[i]);
        }
        root.put("auc", roc.auc());
        byte[] bytes = JSON.writeValueAsBytes(root);
        AtomicFile.write(file, out -> out.write(bytes));
    }

    /** {@code far,tar} and one row per FAR target. */
    public void writeTarCsv(Path file) throws IOException {
        AtomicFile.write(file, out -> {
            Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
            w.write("far,tar\n");
            for (int i = 0; i < tar.length; i++) {
                w.write(SklearnRoc.FAR_TARGETS[i] + "," + tar[i] + "\n");
            }
            w.flush();
        });
    }

    /** The ROC as a {@link RocCurve} named after the target ({@code ijbc}). */
    public RocCurve rocCurve() {
        return new RocCurve(target.toLowerCase(Locale.ROOT), roc.thresholds(), roc.tpr(), roc.fpr());
    }
}
