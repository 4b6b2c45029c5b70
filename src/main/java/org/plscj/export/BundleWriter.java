package org.plscj.export;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import org.bytedeco.pytorch.Tensor;
import org.plscj.checkpoint.Checkpoint;
import org.plscj.checkpoint.CheckpointMeta;
import org.plscj.checkpoint.CheckpointStore;
import org.plscj.checkpoint.TorchFile;
import org.plscj.io.AtomicDirectory;
import org.plscj.head.ClassShard;
import org.plscj.io.Sha256;
import org.plscj.labels.LabelMap;
import org.plscj.model.Backbone;
import org.plscj.model.Backbones;
import org.plscj.tensor.Scoped;
import org.plscj.tensor.Tensors;

/**
 * Writes inference bundles ({@code plsc export}): {@code backbone.pt} (state_dict), {@code backbone.onnx},
 * {@code centres.pt} (L2-normalised class centres, unless none), {@code labels.tsv} (their names, when the
 * checkpoint has them) and {@code model.json} (with the weights' fingerprint and provenance), into a new
 * directory that appears complete or not at all.
 */
public final class BundleWriter {
    private BundleWriter() {}

    /**
     * Exports the checkpoint in {@code checkpointDir} to the new directory {@code out}; its {@code labels.tsv} goes
     * with the centres it names.
     */
    public static BundleMeta fromCheckpoint(Path checkpointDir, Path out, CentresPrecision precision, Double threshold)
            throws IOException {
        Checkpoint checkpoint = Checkpoint.open(checkpointDir);
        CheckpointMeta cm = checkpoint.meta();
        return Scoped.compute(() -> {
            Backbone backbone = Backbones.create(cm.modelName(), cm.embDim());
            checkpoint.loadBackbone(backbone);
            Tensor centres = precision == CentresPrecision.NONE ? null
                    : normalisedRows(checkpoint.headShard(ClassShard.of(cm.numClasses(), 1, 0)).weight());
            String dir = checkpointDir.toAbsolutePath().normalize().toString();
            BundleMeta meta = new BundleMeta(BundleMeta.FORMAT, cm.modelName(), cm.embDim(),
                    centres == null ? 0 : cm.numClasses(), cm.lossType(), precision.name().toLowerCase(Locale.ROOT),
                    threshold, "checkpoint " + dir + " (step " + cm.step() + ")", null,
                    BundleMeta.Provenance.ofCheckpoint(dir, cm.step(), cm.runId(), cm.config() == null ? null : Sha256.ofText(cm.config())));
            return write(out, backbone, centres, precision, meta, centres == null ? null : checkpoint.labels().orElse(null));
        });
    }

    /** Writes a bundle of {@code backbone} (its current weights) and optional unit-row {@code centres} [C, D] in {@code precision}. */
    public static BundleMeta write(Path out, Backbone backbone, Tensor centres, CentresPrecision precision, BundleMeta meta)
            throws IOException {
        return write(out, backbone, centres, precision, meta, null);
    }

    /**
     * As above, with the centres' names ({@code labels.tsv}; null for none). {@code meta}'s fingerprint is set here:
     * the SHA-256 of the {@code backbone.pt} written. Returns the metadata written.
     */
    public static BundleMeta write(Path out, Backbone backbone, Tensor centres, CentresPrecision precision, BundleMeta meta,
            LabelMap labels) throws IOException {
        backbone.eval();
        try (AtomicDirectory dir = AtomicDirectory.begin(out)) {
            Path weights = dir.path().resolve(BundleMeta.BACKBONE);
            TorchFile.write(weights, new LinkedHashMap<>(CheckpointStore.stateDict(backbone)));
            BundleMeta written = meta.withFingerprint(Sha256.of(weights));
            OnnxExport.write(backbone, dir.path().resolve(BundleMeta.ONNX));
            if (centres != null) {
                TorchFile.write(dir.path().resolve(BundleMeta.CENTRES), precision.encode(centres));
            }
            if (labels != null) {
                labels.write(dir.path().resolve(LabelMap.FILE));
            }
            json().writeValue(dir.path().resolve(BundleMeta.FILE).toFile(), written);
            dir.commit();
            return written;
        }
    }

    /** Rows divided by their L2 norms: cosine similarity becomes a dot product. */
    public static Tensor normalisedRows(Tensor w) {
        return w.div(Tensors.col(Tensors.rowNorms(w)).clamp_min(Tensors.scalar(1e-12)));
    }

    public static ObjectMapper json() {
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    }
}
