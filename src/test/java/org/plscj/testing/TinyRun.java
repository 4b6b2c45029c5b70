package org.plscj.testing;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.plscj.comm.Communicator;
import org.plscj.data.DataConvert;
import org.plscj.data.IdentityGenerator;
import org.plscj.eval.HeldOutPairs;
import org.plscj.eval.VerificationBinWriter;
import org.plscj.train.TrainConfig;
import org.plscj.train.TrainConfigLoader;
import org.plscj.train.Trainer;

/**
 * A few-second training run for tests of what comes after training: generated identities, a held-out
 * verification set {@code heldout.bin} beside them, and {@link TinyBackbone} tested on it.
 */
public final class TinyRun {
    public static final int CLASSES = 12;
    public static final String TARGET = "heldout";
    /**
     * The override that pins a test run to fp32: mixed_precision defaults to auto, which trains in bf16 on CPUs with
     * bf16 instructions, and tests that compare runs at float32 precision must mean the same on every CPU.
     */
    public static final String FP32 = "mixed_precision=false";

    private TinyRun() {}

    /** Writes the training data and {@code heldout.bin} into {@code dataDir}. */
    public static void writeData(Path dataDir) throws Exception {
        DataConvert.fromGenerator(CLASSES, 8, 11, 0, dataDir, 1);
        VerificationBinWriter.write(dataDir.resolve(TARGET + ".bin"),
                HeldOutPairs.generate(new IdentityGenerator(11), CLASSES, 6, 20, 5));
    }

    /** Six steps of TinyBackbone, tested on heldout at the end; {@code extra} overrides any key. */
    public static TrainConfig config(Path dataDir, Path saveDir, String... extra) {
        List<String> overrides = new ArrayList<>(List.of("model_name=" + TinyBackbone.class.getName(), "emb_dim=16",
                "num_classes=" + CLASSES, "train_batch_size=8", "lr=2.0", "lr_steps=[4]", FP32, "train_steps=6", "log_period=1",
                "val_targets=[" + TARGET + "]", "sample_ratio=0.5", "loss_type=dist_cosface", "scale=16",
                "dataset_dir=" + dataDir, "model_save_dir=" + saveDir));
        overrides.addAll(List.of(extra));
        return TrainConfigLoader.load(null, overrides);
    }

    /** Trains in this process, its log discarded; {@code resume} continues from model_save_dir's newest checkpoint. */
    public static Trainer.Summary train(TrainConfig config, boolean resume) throws Exception {
        try (Communicator comm = Communicator.single();
                Trainer trainer = new Trainer(config, comm, resume, new PrintStream(new ByteArrayOutputStream()))) {
            return trainer.run();
        }
    }
}
