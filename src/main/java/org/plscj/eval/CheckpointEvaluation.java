package org.plscj.eval;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.plscj.checkpoint.Checkpoint;
import org.plscj.checkpoint.CheckpointException;
import org.plscj.checkpoint.CheckpointStore;
import org.plscj.comm.Communicator;
import org.plscj.model.Backbone;
import org.plscj.model.Backbones;
import org.plscj.progress.Progress;
import org.plscj.tensor.Placement;

/**
 * {@code plsc eval}: scores a saved checkpoint's backbone on insightface verification sets with the
 * same code the trainer's periodic tests use ({@link VerificationEvaluator}), so the numbers agree.
 *
 * <pre>{@code
 * Checkpoint c = CheckpointEvaluation.locate(Path.of("saved_model"));        // its newest checkpoint
 * Map<String, Path> sets = CheckpointEvaluation.targetFiles(Path.of("val"), List.of("lfw", "cfp_fp"));
 * EvaluationResult r = CheckpointEvaluation.evaluate(c, sets, 120, Communicator.single());
 * System.out.print(r.table());
 * }</pre>
 */
public final class CheckpointEvaluation {
    private CheckpointEvaluation() {}

    /**
     * The checkpoint {@code model} names: {@code model} itself when it holds a manifest (a
     * {@code step-N/} or {@code best/} directory), otherwise the newest complete checkpoint of the
     * model_save_dir {@code model}.
     *
     * @throws CheckpointException when it is neither, or the checkpoint is incomplete or damaged
     */
    public static Checkpoint locate(Path model) {
        if (Files.isDirectory(model.resolve("checkpoints"))) {
            CheckpointStore store = new CheckpointStore(model, 1);
            return Checkpoint.open(store.newest().orElseThrow(() -> new CheckpointException(model
                    + " is a model_save_dir without a complete checkpoint: " + store.root() + " has no step-* directory with a manifest")));
        }
        return Checkpoint.open(model);
    }

    /**
     * {@code <dataDir>/<target>.bin} for every target, checked to exist before anything is computed.
     *
     * @throws IllegalArgumentException naming the missing files and listing the {@code .bin} files dataDir holds
     */
    public static Map<String, Path> targetFiles(Path dataDir, List<String> targets) throws IOException {
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("no targets given: name at least one verification set, e.g. lfw for "
                    + dataDir.resolve("lfw.bin"));
        }
        if (!Files.isDirectory(dataDir)) {
            throw new IllegalArgumentException("data directory " + dataDir + " does not exist or is not a directory");
        }
        Map<String, Path> files = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        for (String target : targets) {
            Path bin = dataDir.resolve(target + ".bin");
            if (Files.isRegularFile(bin)) {
                files.put(target, bin);
            } else {
                missing.add(bin.getFileName().toString());
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException(dataDir + " has no " + String.join(", ", missing) + "; the verification sets there are "
                    + available(dataDir));
        }
        return files;
    }

    private static String available(Path dataDir) throws IOException {
        try (Stream<Path> files = Files.list(dataDir)) {
            List<String> names = files.filter(p -> p.getFileName().toString().endsWith(".bin"))
                    .map(VerificationEvaluator::targetName).sorted().toList();
            return names.isEmpty() ? "none (no *.bin files)" : String.join(", ", names);
        }
    }

    /** The checkpoint's backbone (model_name and emb_dim of its manifest) with its saved weights; the caller closes it. */
    public static Backbone loadBackbone(Checkpoint checkpoint) {
        Backbone backbone = Backbones.create(checkpoint.meta().modelName(), checkpoint.meta().embDim());
        try {
            checkpoint.loadBackbone(backbone);
            return backbone;
        } catch (RuntimeException e) {
            backbone.close();
            throw e;
        }
    }

    /**
     * Builds the checkpoint's backbone (model_name, emb_dim of its manifest), loads its weights and scores
     * every target. A collective: with several ranks each calls it and the images are split among them;
     * every rank gets the full result.
     */
    public static EvaluationResult evaluate(Checkpoint checkpoint, Map<String, Path> targets, int batchSize, Communicator comm)
            throws IOException {
        return evaluate(checkpoint, targets, batchSize, comm, false, (target, features) -> { }, Progress.quiet());
    }

    /**
     * As {@link #evaluate(Checkpoint, Map, int, Communicator)}, optionally skipping images that do not decode, handing
     * each target's per-image features to {@code features} (see {@link VerificationEvaluator}), and reporting the images
     * embedded to {@code progress}.
     */
    public static EvaluationResult evaluate(Checkpoint checkpoint, Map<String, Path> targets, int batchSize, Communicator comm,
            boolean skipBad, VerificationEvaluator.FeatureSink features, Progress progress) throws IOException {
        try (Backbone backbone = loadBackbone(checkpoint)) {
            Embedder embedder = new Embedder(backbone, batchSize, Placement.CPU_FLOAT, comm).reporting(progress);
            List<VerificationReport> reports = reports(new VerificationEvaluator(embedder, skipBad, features), targets);
            return new EvaluationResult(checkpoint.directory(), checkpoint.meta().modelName(), checkpoint.meta().step(), reports);
        }
    }

    /**
     * Scores any model ({@code plsc eval --model} a bundle or a .onnx file) on every target, as {@link #evaluate}; the
     * result has no training step ({@link EvaluationResult#NO_STEP}).
     *
     * @param source the model's file or directory, named in the result
     */
    public static EvaluationResult evaluate(FaceModel model, String modelName, Path source, Map<String, Path> targets, int batchSize,
            Communicator comm, boolean skipBad, VerificationEvaluator.FeatureSink features, Progress progress) throws IOException {
        VerificationEvaluator evaluator = new VerificationEvaluator(new Embedder(model, batchSize, comm).reporting(progress), skipBad,
                features);
        return new EvaluationResult(source, modelName, EvaluationResult.NO_STEP, reports(evaluator, targets));
    }

    private static List<VerificationReport> reports(VerificationEvaluator evaluator, Map<String, Path> targets) throws IOException {
        List<VerificationReport> reports = new ArrayList<>();
        for (Map.Entry<String, Path> target : targets.entrySet()) {
            reports.add(evaluator.evaluate(target.getKey(), target.getValue(), VerificationSet.read(target.getValue())));
        }
        return reports;
    }
}
