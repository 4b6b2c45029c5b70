package org.plscj.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.plscj.checkpoint.Checkpoint;
import org.plscj.comm.Communicator;
import org.plscj.eval.CheckpointEvaluation;
import org.plscj.eval.CheckpointIdentification;
import org.plscj.eval.EvaluationResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code plsc eval}: a checkpoint's verification accuracy on insightface .bin sets (CheckpointEvaluation). */
@Command(
        name = "eval",
        mixinStandardHelpOptions = true,
        description = {
            "Scores a checkpoint's backbone on insightface verification sets (lfw.bin, cfp_fp.bin, agedb_30.bin, ...):",
            "flip-sum embeddings, 10-fold accuracy, VAL@FAR=1e-3, XNorm, as insightface's verification.py and as",
            "training's val_targets tests. Prints a table, writes the numbers as JSON and a ROC (PNG + CSV) per target.",
            "With --identify: 1:N identification instead, probes against a gallery (both PLSC data directories, labels",
            "being identities): top-1, top-5, the CMC curve, and in the JSON the probes missed at rank 1, named by the",
            "gallery's labels.tsv when it has one.",
            "Under 'plsc launch --nproc N' the images are split among the N workers; worker 0 prints and writes.",
            "",
            "  plsc eval --model saved_model --targets lfw,cfp_fp --data-dir val",
            "  plsc eval --model saved_model/checkpoints/step-00001200 --targets lfw --data-dir val --json-out lfw.json",
            "  plsc eval --model saved_model/best --identify --gallery gallery_dir --probes probe_dir"
        })
final class EvalCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "A checkpoint directory (step-N or best, with meta.json) or a model_save_dir (its newest checkpoint).")
    Path model;

    @Option(names = "--targets", split = ",", paramLabel = "NAME",
            description = "Verification sets by name: NAME is <data-dir>/NAME.bin (required without --identify).")
    List<String> targets;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Where the .bin files are (required without --identify).")
    Path dataDir;

    @Option(names = "--batch", defaultValue = "120", paramLabel = "N",
            description = "Images per backbone batch on each worker (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--identify", description = "1:N identification of --probes against --gallery instead of verification.")
    boolean identify;

    @Option(names = "--gallery", paramLabel = "DIR", description = "With --identify: the gallery, a PLSC data directory.")
    Path gallery;

    @Option(names = "--probes", paramLabel = "DIR", description = "With --identify: the probes, a PLSC data directory.")
    Path probes;

    @Option(names = "--json-out", paramLabel = "FILE",
            description = "Where the JSON goes (default <checkpoint>/eval.json, with --identify <checkpoint>/identify.json).")
    Path jsonOut;

    @Option(names = "--roc-dir", paramLabel = "DIR",
            description = "Where <target>-roc.png and <target>-roc.csv go (default: the JSON file's directory).")
    Path rocDir;

    @Mixin
    WorkerOptions worker;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (identify) {
            requireOption(gallery, "--gallery", "with --identify");
            requireOption(probes, "--probes", "with --identify");
        } else {
            requireOption(targets, "--targets", "without --identify");
            requireOption(dataDir, "--data-dir", "without --identify");
        }
        Map<String, Path> sets = identify ? Map.of() : CheckpointEvaluation.targetFiles(dataDir, targets);
        Checkpoint checkpoint = CheckpointEvaluation.locate(model);
        try (Communicator comm = worker.connect()) {
            if (identify) {
                identify(checkpoint, comm);
            } else {
                verify(checkpoint, sets, comm);
            }
        }
        return 0;
    }

    private void verify(Checkpoint checkpoint, Map<String, Path> sets, Communicator comm) throws Exception {
        EvaluationResult result = CheckpointEvaluation.evaluate(checkpoint, sets, batch, comm);
        if (comm.rank() == 0) {
            Path json = jsonOut != null ? jsonOut : checkpoint.directory().resolve("eval.json");
            result.writeJson(json);
            result.writeRocs(rocDir != null ? rocDir : json.toAbsolutePath().getParent());
            report(result.table(), json);
        }
    }

    private void identify(Checkpoint checkpoint, Communicator comm) throws Exception {
        CheckpointIdentification.Report result = CheckpointIdentification.identify(checkpoint, gallery, probes, batch, comm);
        if (comm.rank() == 0) {
            Path json = jsonOut != null ? jsonOut : checkpoint.directory().resolve("identify.json");
            CheckpointIdentification.writeJson(json, checkpoint, result);
            report(CheckpointIdentification.summary(result.result()), json);
        }
    }

    private void report(String text, Path json) {
        PrintWriter out = spec.commandLine().getOut();
        out.print(text);
        out.println("plsc eval: wrote " + json);
        out.flush();
    }

    private void requireOption(Object value, String option, String when) {
        if (value == null) {
            throw new ParameterException(spec.commandLine(), "plsc eval needs " + option + " " + when);
        }
    }
}
