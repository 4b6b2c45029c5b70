package org.plscj.serve;

import ai.onnxruntime.OrtException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.plscj.checkpoint.Checkpoint;
import org.plscj.checkpoint.CheckpointMeta;
import org.plscj.eval.CheckpointEvaluation;
import org.plscj.export.BundleMeta;
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

    private AnyModel(String name, EmbeddingEngine engine, Backbone backbone) {
        this.name = name;
        this.engine = engine;
        this.backbone = backbone;
    }

    /**
     * Opens {@code path}.
     *
     * @param engineKind {@code torch} or {@code onnx}; only a bundle has both, a checkpoint runs on torch, a .onnx file on onnx
     * @throws IllegalArgumentException when {@code path} is none of the three or the engine does not fit it
     */
    public static AnyModel open(Path path, String engineKind) throws IOException, OrtException {
        if (Files.isRegularFile(path)) {
            String file = path.getFileName().toString();
            if (!file.endsWith(".onnx")) {
                throw new IllegalArgumentException(path + " is a file but not a .onnx model; --model takes a .onnx file, a bundle"
                        + " directory (plsc export) or a checkpoint directory");
            }
            return new AnyModel(file.substring(0, file.length() - ".onnx".length()), new OnnxEngine(path), null);
        }
        if (Files.isRegularFile(path.resolve(BundleMeta.FILE))) {
            ModelBundle bundle = ModelBundle.open(path);
            return new AnyModel(bundle.meta().modelName(), bundle.engine(engineKind), bundle.backbone());
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
        return new AnyModel(checkpoint.meta().modelName(), new TorchEngine(backbone), backbone);
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
