package org.plscj.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.plscj.checkpoint.Checkpoint;
import org.plscj.head.ClassShard;
import org.plscj.tensor.Scoped;
import org.plscj.tensor.Tensors;
import org.plscj.testing.TinyRun;
import org.plscj.data.PlscDataset;
import org.plscj.data.PlscFormatException;
import org.plscj.checkpoint.CheckpointException;
import org.plscj.comm.Communicator;
import org.plscj.data.DataConvert;
import org.plscj.data.IdentityGenerator;
import org.plscj.eval.HeldOutPairs;
import org.plscj.eval.VerificationBinWriter;
import org.plscj.tensor.Native;
import org.plscj.testing.TinyBackbone;
import org.plscj.testing.TinyDropoutBackbone;

/** {@code plsc train} in one process on generated identities, with the custom TinyBackbone (no BN, no dropout). */
class TrainerTest {
    private static final int CLASSES = 12;

    @TempDir
    static Path shared;

    @BeforeAll
    static void data() throws Exception {
        Native.load();
        DataConvert.fromGenerator(CLASSES, 8, 11, 0, shared.resolve("data"), 1);
        VerificationBinWriter.write(shared.resolve("data").resolve("heldout.bin"),
                HeldOutPairs.generate(new IdentityGenerator(11), CLASSES, 6, 20, 5));
    }

    private static TrainConfig config(Path saveDir, String... extra) {
        List<String> overrides = new ArrayList<>(List.of("model_name=" + TinyBackbone.class.getName(), "emb_dim=16",
                "num_classes=" + CLASSES, "train_batch_size=8", "lr=2.0", "lr_steps=[4]", TinyRun.FP32, "train_steps=6", "save_steps=3",
                "log_period=1", "val_targets=[]", "calc_acc=true", "sample_ratio=0.5", "loss_type=dist_cosface", "scale=16",
                "dataset_dir=" + shared.resolve("data"), "model_save_dir=" + saveDir));
        overrides.addAll(List.of(extra));
        return TrainConfigLoader.load(null, overrides);
    }

    private static Trainer.Summary train(TrainConfig config, boolean resume) throws Exception {
        try (Communicator comm = Communicator.single();
                Trainer trainer = new Trainer(config, comm, resume, new PrintStream(new ByteArrayOutputStream()))) {
            return trainer.run();
        }
    }

    private static List<Double> losses(Path saveDir) throws Exception {
        return MetricsLog.read(saveDir).stream().map(MetricsEntry::loss).toList();
    }

    @Test
    void resumedRunContinuesExactlyLikeAnUninterruptedOne(@TempDir Path dir) throws Exception {
        Path straight = dir.resolve("straight");
        train(config(straight), false);
        Path interrupted = dir.resolve("interrupted");
        train(config(interrupted, "train_steps=3"), false);
        Trainer.Summary resumed = train(config(interrupted), true);

        List<Double> expected = losses(straight);
        List<Double> actual = losses(interrupted);
        assertEquals(6, expected.size());
        assertEquals(expected.size(), actual.size(), "one metrics line per step, none repeated after the resume");
        for (int s = 0; s < expected.size(); s++) {
            assertEquals(expected.get(s), actual.get(s), 1e-5 * Math.abs(expected.get(s)), "loss of step " + (s + 1));
        }
        assertTrue(expected.get(5) < expected.get(0), "training lowers the loss: " + expected);
        assertEquals(interrupted.resolve("checkpoints").resolve("step-00000006"), resumed.lastCheckpoint());
        try (Stream<Path> files = Files.list(resumed.lastCheckpoint())) {
            assertEquals(List.of("backbone.pt", "head-rank-0-of-1.pt", "meta.json", "optimizer.pt"),
                    files.map(p -> p.getFileName().toString()).sorted().toList());
        }
        assertTrue(Files.isRegularFile(interrupted.resolve("loss.png")));
        assertTrue(Files.isRegularFile(interrupted.resolve("config.yaml")));
    }

    @Test
    void aResumedRunWithDropoutContinuesExactlyBecauseTheRandomStateIsSaved(@TempDir Path dir) throws Exception {
        String model = "model_name=" + TinyDropoutBackbone.class.getName();
        Path straight = dir.resolve("straight");
        train(config(straight, model), false);
        Path interrupted = dir.resolve("interrupted");
        train(config(interrupted, model, "train_steps=3"), false);
        torch.manual_seed(12345); // whatever the generator did in between, the checkpoint's state is what counts
        train(config(interrupted, model), true);
        List<Double> expected = losses(straight);
        List<Double> actual = losses(interrupted);
        for (int s = 0; s < expected.size(); s++) {
            assertEquals(expected.get(s), actual.get(s), 1e-5 * Math.abs(expected.get(s)), "loss of step " + (s + 1));
        }
    }

    @Test
    void anAddedListenerSeesEveryStepAfterItsCheckpointWasSaved(@TempDir Path dir) throws Exception {
        // 6 steps of 8 images over 12 × 8 = 96 images: 12 batches per epoch, so no step ends an epoch
        List<StepEvent> seen = new ArrayList<>();
        List<Boolean> checkpointThere = new ArrayList<>();
        try (Communicator comm = Communicator.single();
                Trainer trainer = new Trainer(config(dir), comm, false, new PrintStream(new ByteArrayOutputStream()))) {
            trainer.addListener(e -> {
                seen.add(e);
                checkpointThere.add(Files.isDirectory(dir.resolve("checkpoints").resolve(String.format("step-%08d", e.step()))));
            });
            trainer.run();
        }
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), seen.stream().map(StepEvent::step).toList());
        assertEquals(List.of(false, false, true, false, false, true), checkpointThere, "save_steps=3: steps 3 and 6, before the listener");
        assertTrue(seen.get(5).last() && seen.stream().limit(5).noneMatch(StepEvent::last));
        assertTrue(seen.stream().noneMatch(StepEvent::epochEnd));
        List<Double> logged = losses(dir);
        assertEquals(logged, seen.stream().map(e -> e.result().loss()).toList(), "the listener sees the losses metrics.jsonl has");
    }

    @Test
    void aResumingWorkerTakesItsGeneratorStateFromTheShardReadForItsRowsNotASecondRead(@TempDir Path dir) throws Exception {
        train(config(dir, "train_steps=3"), false);
        Path saved = dir.resolve("checkpoints").resolve("step-00000003");
        ClassShard mine = ClassShard.of(CLASSES, 1, 0);
        byte[] expected = Scoped.compute(() -> Tensors.toByteArray(Checkpoint.openFor(saved, 0, 1, mine).rngState(0, 1).orElseThrow()));
        Checkpoint resuming = Checkpoint.openFor(saved, 0, 1, mine);
        Scoped.run(() -> resuming.headShard(mine));
        // why delete: a read of the shard after its rows were taken would now fail; the state must come from that read
        Files.delete(saved.resolve("head-rank-0-of-1.pt"));
        byte[] state = Scoped.compute(() -> Tensors.toByteArray(resuming.rngState(0, 1).orElseThrow()));
        assertArrayEquals(expected, state);
    }

    @Test
    void aResumingWorkerChecksEachFileByTheReadThatLoadsIt(@TempDir Path dir) throws Exception {
        train(config(dir, "train_steps=3"), false);
        Path saved = dir.resolve("checkpoints").resolve("step-00000003");
        ClassShard mine = ClassShard.of(CLASSES, 1, 0);
        Checkpoint resuming = Checkpoint.openFor(saved, 0, 1, mine);
        // why damage it after opening: a shard checked at open and loaded by a second read would load these bytes unchecked
        Path head = saved.resolve("head-rank-0-of-1.pt");
        byte[] bytes = Files.readAllBytes(head);
        bytes[bytes.length / 2] ^= 1;
        Files.write(head, bytes);
        CheckpointException damaged = assertThrows(CheckpointException.class, () -> Scoped.run(() -> resuming.headShard(mine)));
        assertTrue(damaged.getMessage().startsWith(head + " is damaged"), damaged.getMessage());
    }

    @Test
    void keepsOnlyTheLastCheckpointsAndTestsOnTheValTargets(@TempDir Path dir) throws Exception {
        Trainer.Summary summary = train(config(dir, "save_steps=2", "max_last_checkpoint_num=2", "val_targets=[heldout]",
                "test_period=6"), false);
        try (Stream<Path> files = Files.list(dir.resolve("checkpoints"))) {
            assertEquals(List.of("step-00000004", "step-00000006"), files.map(p -> p.getFileName().toString()).sorted().toList());
        }
        double accuracy = summary.validation().get("heldout").accuracy();
        assertTrue(accuracy >= 0 && accuracy <= 1, "accuracy " + accuracy);
        assertTrue(Files.isRegularFile(dir.resolve("val").resolve("heldout-roc.png")));
        assertTrue(MetricsLog.read(dir).stream().anyMatch(e -> e.extra().containsKey("heldout_acc")));
    }

    @Test
    void refusesBadInputBeforeTraining(@TempDir Path dir) throws Exception {
        ConfigException missing = assertThrows(ConfigException.class, () -> train(config(dir, "dataset_dir=" + dir.resolve("nope")), false));
        assertTrue(missing.getMessage().contains("dataset_dir " + dir.resolve("nope") + " does not exist"), missing.getMessage());

        ConfigException tooFew = assertThrows(ConfigException.class, () -> train(config(dir, "num_classes=5"), false));
        assertTrue(tooFew.getMessage().contains("has labels up to 11 but num_classes is 5"), tooFew.getMessage());

        IllegalArgumentException model = assertThrows(IllegalArgumentException.class, () -> train(config(dir, "model_name=ResNet49"), false));
        assertTrue(model.getMessage().contains("ResNet49"), model.getMessage());

        ConfigException val = assertThrows(ConfigException.class, () -> train(config(dir, "val_targets=[lfw]"), false));
        assertTrue(val.getMessage().contains("lfw.bin does not exist"), val.getMessage());

        Path saved = dir.resolve("saved");
        train(config(saved, "train_steps=3"), false);
        CheckpointException other = assertThrows(CheckpointException.class, () -> train(config(saved, "emb_dim=8"), true));
        assertTrue(other.getMessage().contains("belongs to another model") && other.getMessage().contains("emb_dim 16 (this run: 8)"),
                other.getMessage());

        Path head = saved.resolve("checkpoints").resolve("step-00000003").resolve("head-rank-0-of-1.pt");
        byte[] bytes = Files.readAllBytes(head);
        bytes[bytes.length / 2] ^= 1;
        Files.write(head, bytes);
        CheckpointException damaged = assertThrows(CheckpointException.class, () -> train(config(saved), true));
        assertTrue(damaged.getMessage().contains(head + " is damaged"), damaged.getMessage());
    }

    @Test
    void skipBadTrainsPastBadLinesAndReportsThemWhileWithoutItTheFirstStopsTheRun(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        Files.createDirectories(data);
        try (var files = Files.list(shared.resolve("data"))) {
            for (Path f : files.filter(f -> !f.getFileName().toString().endsWith(".idx")).toList()) {
                Files.copy(f, data.resolve(f.getFileName()));
            }
        }
        Path part = PlscDataset.open(data).files().get(0);
        Files.writeString(part, "not a record\n", java.nio.file.StandardOpenOption.APPEND);
        long badLine = Files.readAllLines(part).size();

        PlscFormatException strict = assertThrows(PlscFormatException.class,
                () -> train(config(dir.resolve("strict"), "dataset_dir=" + data), false));
        assertTrue(strict.getMessage().contains(part + " line " + badLine), strict.getMessage());

        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try (Communicator comm = Communicator.single();
                Trainer trainer = new Trainer(config(dir.resolve("skip"), "dataset_dir=" + data, "skip_bad=true"), comm, false,
                        new PrintStream(log, true, java.nio.charset.StandardCharsets.UTF_8))) {
            assertEquals(6, trainer.run().steps());
        }
        String said = log.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(said.contains("skip_bad: bad records: 1") && said.contains(part + " line " + badLine), said);
    }
}
