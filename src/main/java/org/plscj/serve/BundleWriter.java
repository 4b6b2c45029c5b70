package org.plscj.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.plscj.checkpoint.Checkpoint;
import org.plscj.checkpoint.CheckpointMeta;
import org.plscj.checkpoint.CheckpointStore;
import org.plscj.checkpoint.TorchFile;
import org.plscj.data.AtomicDirectory;
import org.plscj.head.ClassShard;
import org.plscj.model.Backbone;
import org.plscj.model.Backbones;
import org.plscj.tensor.Tensors;

/**
 * Writes inference bundles ({@code plsc export}): {@code backbone.pt} (state_dict), {@code backbone.onnx},
 * {@code centres.pt} (L2-normalised class centres, unless none) and {@code model.json}, into a new
 * directory that appears complete or not at all.
 */
public final class BundleWriter {
    private BundleWriter() {}

    /** Exports the checkpoint in {@code checkpointDir} to the new directory {@code out}. */
    public static BundleMeta fromCheckpoint(Path checkpointDir, Path out, CentresPrecision precision, Double threshold)
            throws IOException {
        Checkpoint checkpoint = Checkpoint.open(checkpointDir);
        CheckpointMeta cm = checkpoint.meta();
        try (PointerScope scope = new PointerScope()) {
            Backbone backbone = Backbones.create(cm.modelName(), cm.embDim());
            checkpoint.loadBackbone(backbone);
            Tensor centres = precision == CentresPrecision.NONE ? null
                    : normalisedRows(checkpoint.headShard(ClassShard.of(cm.numClasses(), 1, 0)).weight());
            BundleMeta meta = new BundleMeta(BundleMeta.FORMAT, cm.modelName(), cm.embDim(),
                    centres == null ? 0 : cm.numClasses(), cm.lossType(), precision.name().toLowerCase(Locale.ROOT),
                    threshold, "checkpoint " + checkpointDir.toAbsolutePath().normalize() + " (step " + cm.step() + ")");
            write(out, backbone, centres, precision, meta);
            return meta;
        }
    }

    /** Writes a bundle of {@code backbone} (its current weights) and optional unit-row {@code centres} [C, D] in {@code precision}. */
    public static void write(Path out, Backbone backbone, Tensor centres, CentresPrecision precision, BundleMeta meta) throws IOException {
        backbone.eval();
        try (AtomicDirectory dir = AtomicDirectory.begin(out)) {
            TorchFile.write(dir.path().resolve(BundleMeta.BACKBONE), new LinkedHashMap<>(CheckpointStore.stateDict(backbone)));
            OnnxExport.write(backbone, dir.path().resolve(BundleMeta.ONNX));
            if (centres != null) {
                TorchFile.write(dir.path().resolve(BundleMeta.CENTRES), precision.encode(centres));
            }
            json().writeValue(dir.path().resolve(BundleMeta.FILE).toFile(), meta);
            dir.commit();
        }
    }

    /** Rows divided by their L2 norms: cosine similarity becomes a dot product. */
    static Tensor normalisedRows(Tensor w) {
        return w.div(Tensors.col(Tensors.rowNorms(w)).clamp_min(Tensors.scalar(1e-12)));
    }

    static ObjectMapper json() {
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    }
}
