package org.plscj.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.plscj.io.AtomicFile;

/**
 * What {@code plsc eval} found for one checkpoint: a report per target, shown as a table and saved as
 * JSON and per-target ROC files.
 *
 * @param checkpoint the checkpoint directory evaluated (or the bundle or .onnx file)
 * @param modelName  its backbone
 * @param step       the training step it was saved at ({@link #NO_STEP} for a bundle or .onnx file)
 * @param reports    one per target, in the order asked
 */
public record EvaluationResult(Path checkpoint, String modelName, long step, List<VerificationReport> reports) {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final String ROW = "%-12s %-19s %-29s %-10s %s%n";
    /** The step of a model that is not a checkpoint: left out of the table and the JSON. */
    public static final long NO_STEP = -1;

    public EvaluationResult {
        reports = List.copyOf(reports);
    }

    /** A header and one row per target: accuracy ± std, VAL ± std @ FAR, XNorm, mean best threshold. */
    public String table() {
        StringBuilder out = new StringBuilder();
        out.append(step == NO_STEP ? String.format("%s (%s)%n", modelName, checkpoint)
                : String.format("%s step %d (%s)%n", modelName, step, checkpoint));
        out.append(String.format(ROW, "target", "accuracy", "VAL@FAR=" + VerificationMetrics.FAR_TARGET, "XNorm", "threshold"));
        for (VerificationReport r : reports) {
            out.append(String.format(ROW, r.target(), String.format("%.5f ± %.5f", r.accuracy(), r.accuracyStd()),
                    String.format("%.5f ± %.5f @ %.5f", r.val(), r.valStd(), r.far()), String.format("%.5f", r.xnorm()),
                    String.format("%.2f", r.bestThreshold())));
        }
        for (VerificationReport r : reports) {
            if (!r.skipped().isEmpty()) {
                out.append(String.format("%s: %d images skipped, %d pairs unscored (left out of the numbers above); the first: %s%n",
                        r.target(), r.skipped().size(), r.unscoredPairs(), r.skipped().get(0)));
            }
        }
        return out.toString();
    }

    /** The checkpoint, its step and every target's numbers (full precision), written atomically. */
    public void writeJson(Path file) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("checkpoint", checkpoint.toString());
        root.put("model_name", modelName);
        if (step != NO_STEP) {
            root.put("step", step);
        }
        ObjectNode targets = root.putObject("targets");
        for (VerificationReport r : reports) {
            targets.putObject(r.target()).put("accuracy", r.accuracy()).put("accuracy_std", r.accuracyStd())
                    .put("val", r.val()).put("val_std", r.valStd()).put("far", r.far())
                    .put("xnorm", r.xnorm()).put("threshold", r.bestThreshold())
                    .put("unscored_pairs", r.unscoredPairs()).set("skipped_images", JSON.valueToTree(r.skipped()));
        }
        byte[] bytes = JSON.writeValueAsBytes(root);
        AtomicFile.write(file, out -> out.write(bytes));
    }

    /** {@code <target>-roc.png} and {@code <target>-roc.csv} per target into {@code dir}. */
    public void writeRocs(Path dir) throws IOException {
        for (VerificationReport r : reports) {
            r.roc().writePng(dir.resolve(r.target() + "-roc.png"));
            r.roc().writeCsv(dir.resolve(r.target() + "-roc.csv"));
        }
    }
}
