package org.plscj.serve;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.bytedeco.pytorch.Tensor;
import org.plscj.checkpoint.Checkpoint;
import org.plscj.checkpoint.TorchFile;
import org.plscj.export.BundleMeta;
import org.plscj.export.CentresPrecision;
import org.plscj.labels.LabelMap;
import org.plscj.model.Backbone;
import org.plscj.model.Backbones;
import org.plscj.tensor.Tensors;

/**
 * An inference bundle opened for use: its {@code model.json}, the backbone in eval mode with the
 * bundle's weights, the class centres as fp32 [num_classes, emb_dim] (null when it has none) and their
 * names (null when it has none).
 *
 * @param fingerprint the SHA-256 of {@code backbone.pt}: model.json's, checked against the file; computed for a
 *                    bundle older than the field
 */
public record ModelBundle(Path dir, BundleMeta meta, Backbone backbone, Tensor centres, LabelMap labels, String fingerprint) {

    /** Opens the bundle in {@code dir}; errors name the file and what was expected. */
    public static ModelBundle open(Path dir) throws IOException {
        BundleMeta meta = BundleMeta.read(dir);
        Backbone backbone = Backbones.create(meta.modelName(), meta.embDim());
        Path weights = dir.resolve(BundleMeta.BACKBONE);
        String fingerprint = meta.checkedFingerprint(dir);
        Checkpoint.copyInto(backbone, TorchFile.read(weights), weights);
        backbone.eval();
        Tensor centres = readCentres(dir, meta);
        LabelMap labels = centres == null ? null
                : LabelMap.readIfPresent(dir.resolve(LabelMap.FILE)).map(m -> m.checkFits(meta.numClasses(), "bundle " + dir)).orElse(null);
        return new ModelBundle(dir, meta, backbone, centres, labels, fingerprint);
    }

    /** What {@code plsc serve} serves of this bundle: name, fingerprint, threshold, centres and their names. */
    public ServedModel served() {
        return new ServedModel(meta.modelName(), fingerprint, meta.verificationThreshold(), centres, labels);
    }

    /** The engine that runs this bundle: {@code torch} (the backbone on libtorch) or {@code onnx} (backbone.onnx on onnxruntime). */
    public EmbeddingEngine engine(String kind) throws ai.onnxruntime.OrtException {
        return switch (kind) {
            case "torch" -> new TorchEngine(backbone);
            case "onnx" -> new OnnxEngine(dir.resolve(BundleMeta.ONNX));
            default -> throw new IllegalArgumentException("--engine must be torch or onnx, got '" + kind + "'");
        };
    }

    private static Tensor readCentres(Path dir, BundleMeta meta) throws IOException {
        Path file = dir.resolve(BundleMeta.CENTRES);
        if (meta.numClasses() == 0 || !Files.isRegularFile(file)) {
            return null;
        }
        Tensor t = CentresPrecision.decode(TorchFile.read(file), file);
        if (t.dim() != 2 || t.size(0) != meta.numClasses() || t.size(1) != meta.embDim()) {
            throw new IllegalArgumentException(file + ": expected centres of shape [" + meta.numClasses() + ", " + meta.embDim()
                    + "] (model.json's num_classes, emb_dim), got " + Arrays.toString(Tensors.shape(t)));
        }
        return t;
    }
}
