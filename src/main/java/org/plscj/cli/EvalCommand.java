package org.plscj.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.nio.file.Files;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.plscj.checkpoint.Checkpoint;
import org.plscj.comm.Communicator;
import org.plscj.eval.CheckpointEvaluation;
import org.plscj.eval.CheckpointIdentification;
import org.plscj.eval.EvaluationResult;
import org.plscj.eval.VerificationEvaluator;
import org.plscj.eval.ijb.FeatureModes;
import org.plscj.export.BundleMeta;
import org.plscj.eval.ijb.IjbEvaluation;
import org.plscj.eval.ijb.IjbMeta;
import org.plscj.eval.ijb.SklearnRoc;
import org.plscj.serve.AnyModel;
import org.plscj.serve.NpyWriter;
import org.plscj.tensor.Native;
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
            "With --ijb: IJB-B/IJB-C template verification as insightface's eval_ijbc.py reports it (landmark alignment,",
            "flip-sum, norm and faceness weighting, media and template pooling, TAR at FAR 1e-6 ... 1e-1).",
            "--model may also be a bundle (plsc export / import) or a bare .onnx file.",
            "Under 'plsc launch --nproc N' the images are split among the N workers; worker 0 prints and writes.",
            "",
            "  plsc eval --ijb /data/IJB_release/IJBC --target IJBC --model glint360k_r100.onnx",
            "  plsc eval --model saved_model --targets lfw,cfp_fp --data-dir val",
            "  plsc eval --model saved_model/checkpoints/step-00001200 --targets lfw --data-dir val --json-out lfw.json",
            "  plsc eval --model saved_model/best --identify --gallery gallery_dir --probes probe_dir"
        })
final class EvalCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "PATH",
            description = {"A checkpoint directory (step-N or best, with meta.json) or a model_save_dir (its newest checkpoint),",
                "a bundle (plsc export / plsc import) or a .onnx file."})
    Path model;

    @Option(names = "--ijb", paramLabel = "DIR",
            description = "IJB-B/C as insightface releases it: DIR/meta/<target>_{face_tid_mid,name_5pts_score,template_pair_label}.txt, DIR/loose_crop/.")
    Path ijb;

    @Option(names = "--target", defaultValue = "IJBC", paramLabel = "IJBC|IJBB", description = "With --ijb: which set (default ${DEFAULT-VALUE}).")
    String ijbTarget;

    @Option(names = "--flip-test", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "With --ijb: an image's feature is f(x) + f(mirror(x)) (eval_ijbc.py's use_flip_test; default on).")
    boolean flipTest;

    @Option(names = "--norm-score", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "With --ijb: keep the feature norm as a weight (use_norm_score; default on); off: L2-normalise each image first.")
    boolean normScore;

    @Option(names = "--detector-score", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "With --ijb: weight each image by the landmark file's faceness score (use_detector_score; default on).")
    boolean detectorScore;

    @Option(names = "--skip-bad",
            description = {"Count and report bad images instead of failing: in a .bin, an image that does not decode (its pairs are",
                "left out of the numbers and reported as unscored); with --ijb, absent or undecodable images, bad landmark and pair lines."})
    boolean skipBad;

    @Mixin
    InputStdOption opening;

    @Option(names = "--features-out", paramLabel = "FILE.npy",
            description = {"Per-image features after the flip sum, before any normalisation or weighting, float32 [images, D]: in meta",
                "order with --ijb, in the .bin's order (with several --targets, FILE-<target>.npy each), with --identify",
                "FILE-gallery.npy and FILE-probes.npy in the directories' order; a skipped image's row is NaN."})
    Path featuresOut;

    @Option(names = "--scores-out", paramLabel = "FILE.npy", description = "With --ijb: one float64 score per pair line, in its order (NaN: unscored).")
    Path scoresOut;

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
            description = {"Where the JSON goes (default <checkpoint>/eval.json, with --identify <checkpoint>/identify.json,",
                "with --ijb <model>/<target>.json, beside a .onnx file for one)."})
    Path jsonOut;

    @Option(names = "--roc-dir", paramLabel = "DIR",
            description = "Where <target>-roc.png (log FAR axis) and <target>-roc.csv go, with --ijb also <target>-tar.csv (default: the JSON file's directory).")
    Path rocDir;

    @Mixin
    WorkerOptions worker;

    @Mixin
    ProgressOptions progress;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (ijb != null) {
            return ijb();
        }
        if (identify) {
            requireOption(gallery, "--gallery", "with --identify");
            requireOption(probes, "--probes", "with --identify");
            if (skipBad) {
                throw new ParameterException(spec.commandLine(), "--skip-bad is for .bin and --ijb evaluations; --identify reads"
                        + " PLSC data directories, where 'plsc data check' finds bad lines");
            }
        } else {
            requireOption(targets, "--targets", "without --identify");
            requireOption(dataDir, "--data-dir", "without --identify");
        }
        Map<String, Path> sets = identify ? Map.of() : CheckpointEvaluation.targetFiles(dataDir, targets);
        if (Files.isRegularFile(model) || Files.isRegularFile(model.resolve(BundleMeta.FILE))) {
            return identify ? identifyAnyModel() : verifyAnyModel(sets);
        }
        Checkpoint checkpoint = CheckpointEvaluation.locate(model);
        try (Communicator comm = worker.connect()) {
            if (identify) {
                CheckpointIdentification.Report result = CheckpointIdentification.identify(checkpoint, gallery, probes, batch, comm,
                        featureFiles(2, checkpoint.meta().embDim(), comm), progress.progress(comm.rank()));
                writeIdentification(result, checkpoint.directory(), checkpoint.meta().step(), comm);
            } else {
                verify(checkpoint, sets, comm);
            }
        }
        return 0;
    }

    private void verify(Checkpoint checkpoint, Map<String, Path> sets, Communicator comm) throws Exception {
        EvaluationResult result = CheckpointEvaluation.evaluate(checkpoint, sets, batch, comm, skipBad,
                featureFiles(sets.size(), checkpoint.meta().embDim(), comm), progress.progress(comm.rank()));
        if (comm.rank() == 0) {
            Path json = jsonOut != null ? jsonOut : checkpoint.directory().resolve("eval.json");
            result.writeJson(json);
            result.writeRocs(rocDir != null ? rocDir : json.toAbsolutePath().getParent());
            report(result.table(), json);
        }
    }

    // A bundle or a bare .onnx on the .bin sets: same metrics, through onnxruntime or the bundle's engine
    private int verifyAnyModel(Map<String, Path> sets) throws Exception {
        Native.load();
        try (AnyModel opened = opening.open(model, spec.commandLine().getErr()); Communicator comm = worker.connect()) {
            EvaluationResult result = CheckpointEvaluation.evaluate(opened.engine(), opened.name(), model, sets, batch, comm, skipBad,
                    featureFiles(sets.size(), opened.engine().embDim(), comm), progress.progress(comm.rank()));
            if (comm.rank() == 0) {
                Path json = jsonOut != null ? jsonOut : defaultDir().resolve("eval.json");
                result.writeJson(json);
                result.writeRocs(rocDir != null ? rocDir : json.toAbsolutePath().getParent());
                report(result.table(), json);
            }
        }
        return 0;
    }

    // Worker 0 writes each target's features to --features-out (FILE-<target>.npy when there are several targets)
    private VerificationEvaluator.FeatureSink featureFiles(int targetCount, int dim, Communicator comm) {
        return (target, features) -> {
            if (featuresOut == null || comm.rank() != 0) {
                return;
            }
            Path file = featuresOut;
            if (targetCount > 1) {
                String name = featuresOut.getFileName().toString();
                String stem = name.endsWith(".npy") ? name.substring(0, name.length() - ".npy".length()) : name;
                file = featuresOut.resolveSibling(stem + "-" + target + ".npy");
            }
            NpyWriter.writeRows(file, features, dim);
        };
    }

    // A bundle or a bare .onnx identifying probes against a gallery
    private int identifyAnyModel() throws Exception {
        Native.load();
        try (AnyModel opened = opening.open(model, spec.commandLine().getErr()); Communicator comm = worker.connect()) {
            CheckpointIdentification.Report result = CheckpointIdentification.identify(opened.engine(), gallery, probes, batch, comm,
                    featureFiles(2, opened.engine().embDim(), comm), progress.progress(comm.rank()));
            writeIdentification(result, model, EvaluationResult.NO_STEP, comm);
        }
        return 0;
    }

    private void writeIdentification(CheckpointIdentification.Report result, Path evaluated, long step, Communicator comm) throws Exception {
        if (comm.rank() == 0) {
            Path json = jsonOut != null ? jsonOut : (Files.isDirectory(evaluated) ? evaluated : evaluated.toAbsolutePath().getParent())
                    .resolve("identify.json");
            CheckpointIdentification.writeJson(json, evaluated, step, result);
            report(CheckpointIdentification.summary(result.result()), json);
        }
    }

    private int ijb() throws Exception {
        if (batch <= 0) {
            throw new ParameterException(spec.commandLine(), "--batch must be positive, got " + batch);
        }
        IjbMeta meta = IjbMeta.read(ijb, ijbTarget, skipBad);
        FeatureModes modes = new FeatureModes(flipTest, normScore, detectorScore);
        Native.load();
        try (AnyModel opened = opening.open(model, spec.commandLine().getErr()); Communicator comm = worker.connect()) {
            IjbEvaluation.Result result = IjbEvaluation.evaluate(meta, opened.engine(), opened.name(), modes, batch, skipBad, comm,
                    progress.progress(comm.rank()));
            if (comm.rank() == 0) {
                String stem = meta.target().toLowerCase(Locale.ROOT);
                Path json = jsonOut != null ? jsonOut : defaultDir().resolve(stem + ".json");
                Path rocs = rocDir != null ? rocDir : json.toAbsolutePath().getParent();
                result.report().writeJson(json);
                result.report().writeTarCsv(rocs.resolve(stem + "-tar.csv"));
                result.report().rocCurve().writeCsv(rocs.resolve(stem + "-roc.csv"));
                result.report().rocCurve().writePng(rocs.resolve(stem + "-roc.png"), SklearnRoc.FAR_TARGETS, result.report().tar());
                if (featuresOut != null) {
                    result.writeFeatures(featuresOut, opened.engine().embDim());
                }
                if (scoresOut != null) {
                    result.writeScores(scoresOut);
                }
                report(result.report().table(), json);
            }
        }
        return 0;
    }

    // A checkpoint or bundle directory holds its results; beside a .onnx file, its directory
    private Path defaultDir() {
        return Files.isDirectory(model) ? model : model.toAbsolutePath().getParent();
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
