package org.plscj.serve;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.plscj.checkpoint.CheckpointStore;
import org.plscj.checkpoint.Snapshot;
import org.plscj.comm.Communicator;
import org.plscj.export.BatchNormCalibration;
import org.plscj.export.BundleWriter;
import org.plscj.export.CentresPrecision;
import org.plscj.head.HeadConfig;
import org.plscj.head.LossType;
import org.plscj.head.PartialFC;
import org.plscj.labels.LabelMap;
import org.plscj.model.Backbone;
import org.plscj.model.Backbones;
import org.plscj.testing.ServeTesting;

/** Checkpoints and bundles of small untrained models, for the serve tests. */
public final class TestBundles {
    public static final String MODEL = "TinyFaceNet";
    public static final int EMB_DIM = 64;

    private TestBundles() {}

    /** A single-worker checkpoint of a calibrated TinyFaceNet with {@code classes} classes; returns its directory. */
    public static Path checkpoint(Path root, long classes) throws IOException {
        return checkpoint(root, classes, null);
    }

    /** As above, its classes named by {@code labels} (null: unnamed). */
    public static Path checkpoint(Path root, long classes, LabelMap labels) throws IOException {
        Backbone backbone = Backbones.create(MODEL, EMB_DIM);
        BatchNormCalibration.calibrate(backbone, ServeTesting.images(8, 7));
        try (Communicator comm = Communicator.single();
                PartialFC head = new PartialFC(HeadConfig.of(classes, EMB_DIM, LossType.ARCFACE), comm)) {
            return new CheckpointStore(root, 1).save(new Snapshot(5, 0, 0.1, "", "test-run", backbone, Map.of(), head, labels), comm);
        }
    }

    /** A bundle exported from a fresh checkpoint with {@code classes} classes. */
    public static Path bundle(Path root, long classes, CentresPrecision precision) throws IOException {
        Path out = root.resolve("bundle-" + precision);
        BundleWriter.fromCheckpoint(checkpoint(root.resolve("run"), classes), out, precision, 0.3);
        return out;
    }
}
