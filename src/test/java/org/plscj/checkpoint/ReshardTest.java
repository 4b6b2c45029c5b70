package org.plscj.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.plscj.testing.TinyRun;
import org.plscj.comm.Communicator;
import org.plscj.data.DataConvert;
import org.plscj.tensor.Native;
import org.plscj.tensor.Tensors;
import org.plscj.testing.Jvm;
import org.plscj.testing.TinyBackbone;
import org.plscj.train.MetricsEntry;
import org.plscj.train.MetricsLog;
import org.plscj.train.TrainConfigLoader;
import org.plscj.train.Trainer;

/**
 * A softmax head (W, bias and both momenta) trained on 2 workers through {@code plsc launch}, resharded offline
 * to 3 and to 1 worker: the new shards are exact cuts of the old ones, and a 1-worker continuation from the
 * offline reshard equals one from the original 2-shard checkpoint (which the Trainer reshards on load), and so
 * does a 3-worker continuation from the offline 3-shard reshard.
 */
class ReshardTest {
    private static final int CLASSES = 13;
    private static final String[] HEAD_TENSORS = {"weight", "momentum", "bias", "bias_momentum"};

    @TempDir
    static Path shared;
    private static Path original;

    private static List<String> overrides(Path save, int steps, String... extra) {
        List<String> out = new ArrayList<>(List.of("model_name=" + TinyBackbone.class.getName(), "emb_dim=16", "num_classes=" + CLASSES,
                "train_batch_size=4", "lr=1.0", TinyRun.FP32, "train_steps=" + steps, "save_steps=2", "log_period=1", "val_targets=[]",
                "loss_type=dist_softmax", "sample_ratio=0.6", "dataset_dir=" + shared.resolve("data"), "model_save_dir=" + save));
        out.addAll(List.of(extra));
        return out;
    }

    @BeforeAll
    static void trainOnTwoWorkers() throws Exception {
        Native.load();
        DataConvert.fromGenerator(CLASSES, 6, 3, 0, shared.resolve("data"), 1);
        List<String> args = new ArrayList<>(List.of("launch", "--nproc", "2", "--master-port", "0", "--", "train", "--timeout", "120"));
        args.addAll(overrides(shared.resolve("two"), 4));
        Jvm.Running launch = Jvm.plsc(args);
        assertEquals(0, launch.waitFor(300), launch.output());
        original = shared.resolve("two").resolve("checkpoints").resolve("step-00000004");
    }

    /** Each head tensor of all shards of {@code checkpoint}, concatenated in rank order, read from the files themselves. */
    private static Tensor[] wholeHead(Path checkpoint) throws Exception {
        int world = Checkpoint.open(checkpoint).meta().worldSize();
        List<List<Tensor>> parts = new ArrayList<>();
        for (String ignored : HEAD_TENSORS) {
            parts.add(new ArrayList<>());
        }
        long nextClass = 0;
        for (int r = 0; r < world; r++) {
            Map<String, Object> shard = TorchFile.read(checkpoint.resolve(CheckpointLayout.headShard(r, world)));
            assertEquals(nextClass, shard.get("class_start"), "shard " + r + " of " + world + " starts where the last ended");
            nextClass += (Long) shard.get("class_count");
            for (int k = 0; k < HEAD_TENSORS.length; k++) {
                parts.get(k).add((Tensor) shard.get(HEAD_TENSORS[k]));
            }
        }
        assertEquals(CLASSES, nextClass);
        Tensor[] out = new Tensor[HEAD_TENSORS.length];
        for (int k = 0; k < out.length; k++) {
            out[k] = Tensors.cat0(parts.get(k).toArray(new Tensor[0]));
        }
        return out;
    }

    @Test
    void reshardedShardsAreExactCutsOfTheOriginal(@TempDir Path dir) throws Exception {
        try (PointerScope scope = new PointerScope()) {
            Tensor[] before = wholeHead(original);
            for (int m : new int[] {3, 1}) {
                Path to = dir.resolve("m" + m);
                CheckpointMeta meta = Reshard.run(original, to, m);
                assertEquals(m, meta.worldSize());
                assertEquals(4, meta.step());
                Tensor[] after = wholeHead(to);
                for (int k = 0; k < HEAD_TENSORS.length; k++) {
                    assertEquals(0.0, Tensors.maxAbs(after[k].sub(before[k])), HEAD_TENSORS[k] + " after resharding 2 → " + m);
                }
                assertEquals(Files.readAllBytes(original.resolve(CheckpointLayout.BACKBONE)).length,
                        Files.readAllBytes(to.resolve(CheckpointLayout.BACKBONE)).length);
                assertFalse(Files.exists(CheckpointLayout.partial(to)));
            }
        }
    }

    @Test
    void continuingFromTheOfflineReshardEqualsContinuingFromTheOriginal(@TempDir Path dir) throws Exception {
        Path offline = dir.resolve("one-shard");
        Reshard.run(original, offline, 1);
        List<Double> fromOriginal = continueOnOneWorker(original, dir.resolve("a"));
        List<Double> fromReshard = continueOnOneWorker(offline, dir.resolve("b"));
        assertEquals(2, fromOriginal.size());
        for (int s = 0; s < fromOriginal.size(); s++) {
            // why relative 1e-6: both runs compute the same float32 ops on the same values (the reshard only concatenates rows)
            assertEquals(fromOriginal.get(s), fromReshard.get(s), 1e-6 * Math.abs(fromOriginal.get(s)), "loss of step " + (5 + s));
        }
    }

    @Test
    void threeWorkersContinueFromTheOfflineReshardAsFromTheOriginal(@TempDir Path dir) throws Exception {
        Path offline = dir.resolve("three-shards");
        Reshard.run(original, offline, 3);
        List<Double> fromOriginal = continueOnThreeWorkers(original, dir.resolve("a"));
        List<Double> fromReshard = continueOnThreeWorkers(offline, dir.resolve("b"));
        assertEquals(2, fromOriginal.size());
        for (int s = 0; s < fromOriginal.size(); s++) {
            // why relative 1e-6: both runs compute the same float32 ops on the same values (the reshard only concatenates rows)
            assertEquals(fromOriginal.get(s), fromReshard.get(s), 1e-6 * Math.abs(fromOriginal.get(s)), "loss of step " + (5 + s));
        }
        assertEquals(3, Checkpoint.open(dir.resolve("a").resolve("checkpoints").resolve("step-00000006")).meta().worldSize());
    }

    private static List<Double> continueOnThreeWorkers(Path checkpoint, Path save) throws Exception {
        List<String> args = new ArrayList<>(List.of("launch", "--nproc", "3", "--master-port", "0", "--", "train", "--timeout", "120"));
        args.addAll(overrides(save, 6, "checkpoint_dir=" + checkpoint));
        Jvm.Running launch = Jvm.plsc(args);
        assertEquals(0, launch.waitFor(300), launch.output());
        return MetricsLog.read(save).stream().map(MetricsEntry::loss).toList();
    }

    private static List<Double> continueOnOneWorker(Path checkpoint, Path save) throws Exception {
        try (Communicator comm = Communicator.single();
                Trainer trainer = new Trainer(TrainConfigLoader.load(null, overrides(save, 6, "checkpoint_dir=" + checkpoint)), comm, false,
                        new PrintStream(new ByteArrayOutputStream()))) {
            trainer.run();
        }
        return MetricsLog.read(save).stream().map(MetricsEntry::loss).toList();
    }

    @Test
    void refusesBadInputAndOverwritesNothing(@TempDir Path dir) throws Exception {
        Path existing = Files.createDirectories(dir.resolve("existing"));
        CheckpointException exists = assertThrows(CheckpointException.class, () -> Reshard.run(original, existing, 1));
        assertTrue(exists.getMessage().contains(existing + " already exists"), exists.getMessage());

        IllegalArgumentException tooMany = assertThrows(IllegalArgumentException.class, () -> Reshard.run(original, dir.resolve("x"), 14));
        assertTrue(tooMany.getMessage().contains("--nranks must lie in [1, 13]"), tooMany.getMessage());

        CheckpointException notOne = assertThrows(CheckpointException.class, () -> Reshard.run(dir, dir.resolve("y"), 1));
        assertTrue(notOne.getMessage().contains(dir + " is not a checkpoint"), notOne.getMessage());

        Path damaged = dir.resolve("damaged");
        Reshard.run(original, damaged, 2);
        Path shard = damaged.resolve("head-rank-1-of-2.pt");
        Files.delete(shard);
        CheckpointException missing = assertThrows(CheckpointException.class, () -> Reshard.run(damaged, dir.resolve("z"), 1));
        assertTrue(missing.getMessage().contains(shard + " is missing"), missing.getMessage());
        assertFalse(Files.exists(dir.resolve("z")));
        assertFalse(Files.exists(CheckpointLayout.partial(dir.resolve("z"))));
    }
}
