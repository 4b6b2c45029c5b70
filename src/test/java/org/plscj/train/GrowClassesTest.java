package org.plscj.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.plscj.testing.TinyRun;
import org.plscj.checkpoint.Checkpoint;
import org.plscj.checkpoint.CheckpointException;
import org.plscj.comm.Communicator;
import org.plscj.data.DataConvert;
import org.plscj.head.ClassShard;
import org.plscj.head.ShardWeights;
import org.plscj.tensor.Native;
import org.plscj.tensor.Tensors;
import org.plscj.testing.MeanEmbedding;
import org.plscj.testing.TinyBackbone;

/**
 * {@code grow_classes=true num_classes=16}: a checkpoint of 12 classes fine-tunes on 16 identities; the saved rows
 * and their momentum load unchanged, the new rows start as a fresh 16-class run would start them with zero
 * momentum (or, with grow_init=mean, at the mean embedding of their images), on any world size; a resume of the grown run grows nothing more; without the flag a larger
 * num_classes is refused, and a smaller one always.
 */
class GrowClassesTest {
    private static final long SEED = 7;

    @TempDir
    static Path shared;
    private static Path saved;

    private static TrainConfig config(Path save, String... extra) {
        List<String> overrides = new ArrayList<>(List.of("model_name=" + TinyBackbone.class.getName(), "emb_dim=16", "num_classes=12",
                "train_batch_size=8", "lr=1.0", TinyRun.FP32, "train_steps=3", "save_steps=3", "val_targets=[]", "loss_type=dist_softmax",
                "seed=" + SEED, "dataset_dir=" + shared.resolve("old"), "model_save_dir=" + save));
        overrides.addAll(List.of(extra));
        return TrainConfigLoader.load(null, overrides);
    }

    private static Trainer trainer(TrainConfig config, boolean resume) throws Exception {
        return new Trainer(config, Communicator.single(), resume, new PrintStream(new ByteArrayOutputStream()));
    }

    @BeforeAll
    static void trainTwelveClasses() throws Exception {
        Native.load();
        DataConvert.fromGenerator(12, 4, 5, 0, shared.resolve("old"), 1);
        DataConvert.fromGenerator(16, 4, 5, 0, shared.resolve("new"), 1);
        try (Trainer t = trainer(config(shared.resolve("base")), false)) {
            saved = t.run().lastCheckpoint();
        }
    }

    @Test
    void addedClassesAppendFreshRowsAndKeepTheSavedOnes(@TempDir Path dir) throws Exception {
        TrainConfig grow = config(dir, "checkpoint_dir=" + saved, "dataset_dir=" + shared.resolve("new"), "num_classes=16",
                "grow_classes=true", "train_steps=5");
        Checkpoint checkpoint = Checkpoint.open(saved);
        try (Trainer t = trainer(grow, false); PointerScope scope = new PointerScope()) {
            Checkpoint.HeadState old = checkpoint.headShard(ClassShard.of(12, 1, 0));
            Tensor w = t.step().head().weights().weight();
            Tensor m = t.step().head().weights().momentum();
            assertEquals(16, w.size(0));
            assertEquals(0.0, Tensors.maxAbs(w.narrow(0, 0, 12).sub(old.weight())));
            assertEquals(0.0, Tensors.maxAbs(m.narrow(0, 0, 12).sub(old.momentum())));
            assertEquals(0.0, Tensors.maxAbs(t.step().head().weights().bias().narrow(0, 0, 12).sub(old.bias())));
            assertEquals(0.0, Tensors.maxAbs(w.narrow(0, 12, 4).sub(ShardWeights.initialRows(16, 16, SEED, 12, 4))));
            assertEquals(0.0, Tensors.maxAbs(m.narrow(0, 12, 4)));
            assertEquals(0.0, Tensors.maxAbs(t.step().head().weights().bias().narrow(0, 12, 4)));
            Trainer.Summary summary = t.run();
            assertTrue(Double.isFinite(summary.loss()));
            assertEquals(16, Checkpoint.open(summary.lastCheckpoint()).meta().numClasses());
        }
        try (Trainer resumed = trainer(TrainConfigLoader.override(grow, List.of("train_steps=6")), true)) {
            assertEquals(16, resumed.step().head().weights().weight().size(0), "resuming the grown run grows nothing more");
            assertEquals(16, Checkpoint.open(resumed.run().lastCheckpoint()).meta().numClasses());
        }
    }

    @Test
    void meanInitStartsEachNewClassAtItsImagesMeanEmbedding(@TempDir Path dir) throws Exception {
        TrainConfig grow = config(dir, "checkpoint_dir=" + saved, "dataset_dir=" + shared.resolve("new"), "num_classes=16",
                "grow_classes=true", "grow_init=mean");
        double[] expected = meanEmbedding(13);
        try (Trainer t = trainer(grow, false); PointerScope scope = new PointerScope()) {
            Tensor w = t.step().head().weights().weight();
            double[] row = Tensors.toDoubleArray(w.narrow(0, 13, 1));
            for (int k = 0; k < row.length; k++) {
                assertEquals(expected[k], row[k], 1e-6, "W[13][" + k + "]");
            }
            Checkpoint.HeadState old = Checkpoint.open(saved).headShard(ClassShard.of(12, 1, 0));
            assertEquals(0.0, Tensors.maxAbs(w.narrow(0, 0, 12).sub(old.weight())), "saved rows untouched");
        }
    }

    /** The normalised mean of class {@code label}'s images' embeddings under the saved backbone, computed here independently. */
    private static double[] meanEmbedding(int label) throws Exception {
        TinyBackbone backbone = new TinyBackbone(16);
        Checkpoint.open(saved).loadBackbone(backbone);
        return MeanEmbedding.of(shared.resolve("new"), backbone, label);
    }

    @Test
    void grownShardsAgreeOnAnyWorldSize() throws Exception {
        Checkpoint checkpoint = Checkpoint.open(saved);
        try (PointerScope scope = new PointerScope()) {
            Tensor whole = checkpoint.grownHeadShard(ClassShard.of(16, 1, 0), SEED).weight();
            List<Tensor> parts = new ArrayList<>();
            for (int r = 0; r < 3; r++) {
                parts.add(checkpoint.grownHeadShard(ClassShard.of(16, 3, r), SEED).weight());
            }
            assertEquals(0.0, Tensors.maxAbs(Tensors.cat0(parts.toArray(new Tensor[0])).sub(whole)));
        }
    }

    @Test
    void refusesMoreClassesUnlessAskedAndFewerAlways(@TempDir Path dir) {
        CheckpointException refused = assertThrows(CheckpointException.class,
                () -> trainer(config(dir, "checkpoint_dir=" + saved, "num_classes=16", "dataset_dir=" + shared.resolve("new")), false));
        assertTrue(refused.getMessage().contains("num_classes 12 (this run: 16; to add classes set grow_classes=true)"),
                refused.getMessage());

        CheckpointException shrink = assertThrows(CheckpointException.class,
                () -> trainer(config(dir, "checkpoint_dir=" + saved, "num_classes=10", "grow_classes=true"), false));
        assertTrue(shrink.getMessage().contains(saved + " belongs to another model") && shrink.getMessage().contains("num_classes 12 (this run: 10)"),
                shrink.getMessage());

        ConfigException init = assertThrows(ConfigException.class, () -> config(dir, "grow_init=zeros"));
        assertTrue(init.getMessage().contains("grow_init must be one of [random, mean], got zeros"), init.getMessage());
    }
}
