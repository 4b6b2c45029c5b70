package org.plscj.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.plscj.checkpoint.Checkpoint;
import org.plscj.checkpoint.Reshard;
import org.plscj.head.ClassShard;
import org.plscj.tensor.Native;
import org.plscj.tensor.Tensors;
import org.plscj.testing.TinyRun;

/**
 * optimizer adamw with lr_scheduler poly: the backbone's moments and step and the head shard's moments (softmax: of the
 * bias too) are checkpointed, resharded like SGD's momentum, and reloaded, so a run continued from a checkpoint resharded
 * to 2 workers, on 1 worker, takes the same steps as the uninterrupted run.
 */
class AdamWResumeTest {
    @TempDir
    static Path shared;

    @BeforeAll
    static void load() throws Exception {
        Native.load();
        TinyRun.writeData(shared.resolve("data"));
    }

    private static TrainConfig config(Path save, String... extra) {
        List<String> all = new java.util.ArrayList<>(List.of("optimizer=adamw", "lr_scheduler=poly", "lr_power=2", "lr=0.05",
                "weight_decay=0.05", "loss_type=dist_softmax", "save_steps=3", "val_targets=[]"));
        all.addAll(List.of(extra));
        return TinyRun.config(shared.resolve("data"), save, all.toArray(new String[0]));
    }

    @Test
    void aContinuationFromAReshardedAdamWCheckpointTakesTheUninterruptedSteps(@TempDir Path dir) throws Exception {
        TinyRun.train(config(dir.resolve("straight")), false);
        List<Double> straight = MetricsLog.read(dir.resolve("straight")).stream().map(MetricsEntry::loss).toList();
        Path third = dir.resolve("straight").resolve("checkpoints").resolve("step-00000003");
        Path twoShards = dir.resolve("two-shards");
        Reshard.run(third, twoShards, 2);
        try (PointerScope scope = new PointerScope()) {
            Checkpoint original = Checkpoint.open(third);
            Checkpoint resharded = Checkpoint.open(twoShards);
            Map<String, Tensor> optimizer = original.momentum();
            assertEquals(3, Tensors.toLongArray(optimizer.get(BackboneAdamW.STEP))[0], "AdamW's update count after 3 steps");
            assertTrue(optimizer.keySet().stream().anyMatch(k -> k.startsWith(BackboneAdamW.SECOND)), optimizer.keySet().toString());
            ClassShard all = ClassShard.of(TinyRun.CLASSES, 1, 0);
            Checkpoint.HeadState before = original.headShard(all);
            Checkpoint.HeadState after = resharded.headShard(all);
            assertTrue(Tensors.maxAbs(before.secondMoment()) > 0, "the head's second moment is saved");
            assertEquals(0.0, Tensors.maxAbs(after.secondMoment().sub(before.secondMoment())), "exp_avg_sq cut into 2 shards and joined");
            assertEquals(0.0, Tensors.maxAbs(after.biasSecondMoment().sub(before.biasSecondMoment())), "bias_exp_avg_sq likewise");
        }
        TinyRun.train(config(dir.resolve("continued"), "checkpoint_dir=" + twoShards), false);
        List<Double> continued = MetricsLog.read(dir.resolve("continued")).stream().map(MetricsEntry::loss).toList();
        assertEquals(3, continued.size());
        for (int s = 0; s < 3; s++) {
            // why relative 1e-6: the same float32 operations on the same values (resharding only cuts and joins rows)
            assertEquals(straight.get(3 + s), continued.get(s), 1e-6 * Math.abs(straight.get(3 + s)), "loss of step " + (4 + s));
        }
    }
}
