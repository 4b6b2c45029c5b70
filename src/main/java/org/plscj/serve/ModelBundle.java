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
 * bundle's weights, the class centres [num_classes, emb_dim] in the precision the bundle stores them (fp32, fp16, or
 * int8 codes with {@code centreScales}; null when it has none; {@link #centresFloat} for fp32) and their names (null
 * when it has none).
 *
 * @param fingerprint the SHA-256 of {@code backbone.pt}: model.json's, checked against the file; computed for a
 *                    bundle older than the field
 */
public record ModelBundle(Path dir, BundleMeta meta, Backbone backbone, Tensor centres, Tensor centreScales, LabelMap labels,
        String fingerprint) {

    /** Opens the bundle in {@code dir}; errors name the file and what was expected. */
    public static ModelBundle open(Path dir) throws IOException {
        BundleMeta meta = BundleMeta.read(dir);
        Backbone backbone = Backbones.create(meta.modelName(), meta.embDim());
        Path weights = dir.resolve(BundleMeta.BACKBONE);
        String fingerprint = meta.checkedFingerprint(dir);
        Checkpoint.copyInto(backbone, TorchFile.read(weights), weights);
        backbone.eval();
        CentresPrecision.Stored centres = readCentres(dir, meta);
        LabelMap labels = centres == null ? null
                : LabelMap.readIfPresent(dir.resolve(LabelMap.FILE)).map(m -> m.checkFits(meta.numClasses(), "bundle " + dir)).orElse(null);
        return new ModelBundle(dir, meta, backbone, centres == null ? null : centres.values(), centres == null ? null : centres.scales(),
                labels, fingerprint);
    }

    /** What {@code plsc serve} serves of this bundle: name, fingerprint, threshold, centres and their names. */
    public ServedModel served() {
        return new ServedModel(meta.modelName(), fingerprint, meta.verificationThreshold(), centres, centreScales, labels);
    }

    /** The class centres as fp32 [num_classes, emb_dim] (a copy unless stored fp32), or null. */
    public Tensor centresFloat() {
        return centres == null ? null : new CentresPrecision.Stored(centres, centreScales).toFloat();
    }

    /** The engine that runs this bundle: {@code torch} (the backbone on libtorch) or {@code onnx} (backbone.onnx on onnxruntime). */
    public EmbeddingEngine engine(String kind) throws ai.onnxruntime.OrtException {
        return switch (kind) {
            case "torch" -> new TorchEngine(backbone);
            case "onnx" -> new OnnxEngine(dir.resolve(BundleMeta.ONNX));
            default -> throw new IllegalArgumentException("--engine must be torch or onnx, got '" + kind + "'");
        };
    }

    private static CentresPrecision.Stored readCentres(Path dir, BundleMeta meta) throws IOException {
        Path file = dir.resolve(BundleMeta.CENTRES);
        if (meta.numClasses() == 0 || !Files.isRegularFile(file)) {
            return null;
        }
        CentresPrecision.Stored stored = CentresPrecision.read(TorchFile.read(file), file);
        Tensor t = stored.values();
        if (t.dim() != 2 || t.size(0) != meta.numClasses() || t.size(1) != meta.embDim()) {
            throw new IllegalArgumentException(file + ": expected centres of shape [" + meta.numClasses() + ", " + meta.embDim()
                    + "] (model.json's num_classes, emb_dim), got " + Arrays.toString(Tensors.shape(t)));
        }
        return stored;
    }
}
