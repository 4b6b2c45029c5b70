package org.plscj.train;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.plscj.comm.Communicator;
import org.plscj.eval.Embedder;
import org.plscj.eval.VerificationEvaluator;
import org.plscj.eval.VerificationReport;
import org.plscj.model.Backbone;
import org.plscj.tensor.Placement;

/**
 * Periodic testing during training (PLSC's val_targets / test_period): each target is
 * {@code <val_data_dir>/<target>.bin} in insightface's layout, scored by the evaluation package on all
 * workers together (images split across ranks, embeddings gathered). Rank 0 logs each result and writes
 * its ROC (PNG and CSV) under {@code <model_save_dir>/val/}.
 */
final class Validation {
    private final Map<String, Path> targets;
    private final int batchSize;
    private final Communicator comm;
    private final Path outputDir;

    private Validation(Map<String, Path> targets, int batchSize, Communicator comm, Path outputDir) {
        this.targets = targets;
        this.batchSize = batchSize;
        this.comm = comm;
        this.outputDir = outputDir;
    }

    /** Resolves every target now, so a missing set fails before training rather than at the first test. */
    static Validation open(TrainConfig config, Communicator comm) {
        Path dir = config.valTargets().isEmpty() ? Path.of(".") : RemoteData.localCopy(config.validationDir(), config, comm);
        Map<String, Path> targets = new LinkedHashMap<>();
        for (String name : config.valTargets()) {
            Path bin = dir.resolve(name + ".bin");
            if (!Files.isRegularFile(bin)) {
                throw new ConfigException("val_targets", "val_targets names '" + name + "' but " + bin + " does not exist "
                        + "(put insightface's " + name + ".bin there, set val_data_dir, or set val_targets: [])");
            }
            targets.put(name, bin);
        }
        return new Validation(targets, config.testBatchSize(), comm, config.localModelSaveDir().resolve("val"));
    }

    boolean hasTargets() {
        return !targets.isEmpty();
    }

    /** Scores every target with the backbone as it is now (a collective: every rank calls it). */
    Map<String, VerificationReport> run(Backbone backbone, long step, PrintStream out) throws IOException {
        VerificationEvaluator evaluator = new VerificationEvaluator(new Embedder(backbone, batchSize, Placement.CPU_FLOAT, comm));
        Map<String, VerificationReport> reports = new LinkedHashMap<>();
        for (Map.Entry<String, Path> target : targets.entrySet()) {
            VerificationReport report = evaluator.evaluate(target.getValue());
            reports.put(target.getKey(), report);
            if (comm.rank() == 0) {
                out.println("step " + step + " " + report.summary());
                Files.createDirectories(outputDir);
                report.roc().writePng(outputDir.resolve(target.getKey() + "-roc.png"));
                report.roc().writeCsv(outputDir.resolve(target.getKey() + "-roc.csv"));
            }
        }
        return reports;
    }
}
