package org.plscj.serve;

import ai.onnxruntime.OrtException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.plscj.checkpoint.Checkpoint;
import org.plscj.checkpoint.CheckpointMeta;
import org.plscj.eval.CheckpointEvaluation;
import org.plscj.export.BundleMeta;
import org.plscj.export.PyTorchImport;
import org.plscj.model.Backbone;

/**
 * A model named on the command line, whatever it is, opened as an engine: a bare {@code .onnx} file (onnxruntime; any
 * model with one float input [N, 3, 112, 112] and one output [N, D], e.g. insightface's arcface_torch exports), a
 * bundle from {@code plsc export} / {@code plsc import} (libtorch or, with engine {@code onnx}, its backbone.onnx), or
 * a checkpoint directory or model_save_dir (its backbone on libtorch).
 */
public final class AnyModel implements AutoCloseable {
    private final String name;
    private final EmbeddingEngine engine;
    private final Backbone backbone;
    private final String inputNote;

    private AnyModel(String name, EmbeddingEngine engine, Backbone backbone, String inputNote) {
        this.name = name;
        this.engine = engine;
        this.backbone = backbone;
        this.inputNote = inputNote;
    }

    /** Opens {@code path} with the pixel scale it implies (see {@link #open(Path, String, Double)}). */
    public static AnyModel open(Path path, String engineKind) throws IOException, OrtException {
        return open(path, engineKind, null);
    }

    /**
     * Opens {@code path}.
     *
     * @param engineKind {@code torch} or {@code onnx}; only a bundle has both, a checkpoint runs on torch, a .onnx file on onnx
     * @param inputStd   for a bare .onnx, the pixel std it was trained with (null: as {@link OnnxEngine} decides); bundles
     *                   and checkpoints take PLSC's scale ({@code plsc import} folds another into the weights)
     * @throws IllegalArgumentException when {@code path} is none of the three or the engine or input std does not fit it
     */
    public static AnyModel open(Path path, String engineKind, Double inputStd) throws IOException, OrtException {
        if (Files.isRegularFile(path)) {
            String file = path.getFileName().toString();
            if (!file.endsWith(".onnx")) {
                throw new IllegalArgumentException(path + " is a file but not a .onnx model; --model takes a .onnx file, a bundle"
                        + " directory (plsc export) or a checkpoint directory");
            }
            OnnxEngine engine = new OnnxEngine(path, inputStd);
            String note = inputStd == null && engine.inputStd() != PyTorchImport.PLSC_INPUT_STD
                    ? path + " was not exported by PLSC-J: its input is taken as (x − 127.5)/" + engine.inputStd()
                            + ", arcface_torch's (--input-std 128 if it was trained on PLSC's (x − 127.5)/128)"
                    : null;
            return new AnyModel(file.substring(0, file.length() - ".onnx".length()), engine, null, note);
        }
        if (inputStd != null) {
            throw new IllegalArgumentException("--input-std is for a bare .onnx file; " + path + " takes PLSC's (x − 127.5)/128 like"
                    + " every bundle and checkpoint (plsc import --input-std folds a model's own scale into its weights)");
        }
        if (Files.isRegularFile(path.resolve(BundleMeta.FILE))) {
            ModelBundle bundle = ModelBundle.open(path);
            return new AnyModel(bundle.meta().modelName(), bundle.engine(engineKind), bundle.backbone(), null);
        }
        if (!Files.isDirectory(path)) {
            throw new IllegalArgumentException("model " + path + " does not exist");
        }
        if (!Files.isRegularFile(path.resolve(CheckpointMeta.FILE)) && !Files.isDirectory(path.resolve("checkpoints"))) {
            throw new IllegalArgumentException(path + " is neither a bundle (no model.json) nor a checkpoint (no meta.json) nor a model_save_dir"
                    + " (no checkpoints/); --model takes one of those or a .onnx file");
        }
        if (!engineKind.equals("torch")) {
            throw new IllegalArgumentException("--engine " + engineKind + " needs a bundle or a .onnx file; " + path
                    + " is taken as a checkpoint, which runs on torch");
        }
        Checkpoint checkpoint = CheckpointEvaluation.locate(path);
        Backbone backbone = CheckpointEvaluation.loadBackbone(checkpoint);
        return new AnyModel(checkpoint.meta().modelName(), new TorchEngine(backbone), backbone, null);
    }

    /** What a user should know about the pixel scale the model is fed with, when it was guessed; else empty. */
    public Optional<String> inputNote() {
        return Optional.ofNullable(inputNote);
    }

    /** Names the model in reports: the backbone's model_name, or the .onnx file's name without extension. */
    public String name() {
        return name;
    }

    public EmbeddingEngine engine() {
        return engine;
    }

    @Override
    public void close() {
        engine.close();
        if (backbone != null) {
            backbone.close();
        }
    }
}
