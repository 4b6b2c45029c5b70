package org.plscj.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.plscj.testing.TinyRun;
import org.plscj.data.DataConvert;
import org.plscj.tensor.Native;
import org.plscj.testing.Jvm;
import org.plscj.testing.TinyBackbone;
import org.plscj.train.MetricsEntry;
import org.plscj.train.MetricsLog;

/**
 * {@code plsc train} in a child JVM, killed with SIGKILL inside a save (before and after a checkpoint was
 * complete), then resumed: the newest complete checkpoint is used, half-written saves are ignored and later
 * removed, and the loss of every step equals an uninterrupted run's (Partial FC sampling and data order included).
 * The kills land deterministically through {@link org.plscj.testing.PauseInSave}.
 */
class CrashResumeTest {
    private static final int CLASSES = 12;
    private static final int STEPS = 8;

    /** {@code plsc train} on one worker, or under {@code plsc launch} on {@code workers}. */
    private static List<String> train(int workers, Path data, Path save, boolean resume) {
        List<String> args = new ArrayList<>(workers == 1 ? List.of("train")
                : List.of("launch", "--nproc", Integer.toString(workers), "--master-port", "0", "--", "train", "--timeout", "120"));
        if (resume) {
            args.add("--resume");
        }
        args.addAll(List.of("model_name=" + TinyBackbone.class.getName(), "emb_dim=16", "num_classes=" + CLASSES, "train_batch_size=8",
                "lr=2.0", "lr_steps=[5]", TinyRun.FP32, "train_steps=" + STEPS, "save_steps=2", "log_period=1", "val_targets=[]", "sample_ratio=0.5",
                "loss_type=dist_cosface", "scale=16", "dataset_dir=" + data, "model_save_dir=" + save));
        return args;
    }

    /** Starts the run paused inside the save of {@code step}, waits until it is there, and SIGKILLs every process of it. */
    private static void killInsideSave(List<String> args, long step) throws InterruptedException {
        Jvm.Running run = Jvm.start("org.plscj.cli.Plsc", Map.of(org.plscj.testing.PauseInSave.VARIABLE, "600000@" + step), args);
        run.awaitLine("in the save of step " + step, 180);
        run.process.descendants().forEach(ProcessHandle::destroyForcibly);
        run.process.destroyForcibly();
        run.waitFor(30);
    }

    private static void runToEnd(List<String> args, String expectedLine) throws InterruptedException {
        Jvm.Running run = Jvm.plsc(args);
        assertEquals(0, run.waitFor(300), run.output());
        assertTrue(run.output().contains(expectedLine), run.output());
    }

    private static List<String> partials(Path save) throws Exception {
        try (Stream<Path> dirs = Files.list(save.resolve("checkpoints"))) {
            return dirs.map(d -> d.getFileName().toString()).filter(n -> n.endsWith(".partial")).sorted().toList();
        }
    }

    @Test
    void killedRunsResumeFromTheNewestCompleteCheckpointLikeAnUninterruptedRun(@TempDir Path dir) throws Exception {
        Path data = data(dir);
        Path straight = dir.resolve("straight");
        runToEnd(train(1, data, straight, false), "steps 0 ");

        Path crashed = dir.resolve("crashed");
        CheckpointStore store = new CheckpointStore(crashed, 5);
        killInsideSave(train(1, data, crashed, false), 2);
        assertEquals(Optional.empty(), store.newest(), "the first save never completed");
        assertEquals(List.of(".step-00000002.partial"), partials(crashed));
        Path firstPartial = store.root().resolve(".step-00000002.partial");
        assertTrue(Files.isRegularFile(firstPartial.resolve("head-rank-0-of-1.pt")), "the kill landed after the shards were written");
        assertFalse(Files.exists(firstPartial.resolve(CheckpointMeta.FILE)));

        killInsideSave(train(1, data, crashed, true), 6);
        assertEquals(Optional.of(store.root().resolve("step-00000004")), store.newest());
        assertEquals(4, Checkpoint.open(store.newest().orElseThrow()).meta().step());
        assertEquals(List.of(".step-00000006.partial"), partials(crashed), "the step-2 leftover was cleaned by the next save");

        runToEnd(train(1, data, crashed, true), "steps 4 ");
        assertEquals(List.of(), partials(crashed));
        assertEquals(STEPS, Checkpoint.open(store.newest().orElseThrow()).meta().step());
        assertSameLosses(straight, crashed);
    }

    @Test
    void twoWorkersKilledInsideASaveResumeLikeAnUninterruptedRun(@TempDir Path dir) throws Exception {
        Path data = data(dir);
        Path straight = dir.resolve("straight");
        runToEnd(train(2, data, straight, false), "steps 0 ");

        Path crashed = dir.resolve("crashed");
        killInsideSave(train(2, data, crashed, false), 4);
        assertEquals(List.of(".step-00000004.partial"), partials(crashed));
        Path partial = new CheckpointStore(crashed, 5).root().resolve(".step-00000004.partial");
        assertTrue(Files.isRegularFile(partial.resolve("head-rank-1-of-2.pt")), "both workers had written their shards");

        runToEnd(train(2, data, crashed, true), "steps 2 ");
        assertEquals(List.of(), partials(crashed));
        assertSameLosses(straight, crashed);
    }

    private static Path data(Path dir) throws Exception {
        Native.load();
        Path data = dir.resolve("data");
        DataConvert.fromGenerator(CLASSES, 8, 11, 0, data, 1);
        return data;
    }

    private static void assertSameLosses(Path straight, Path crashed) throws Exception {
        List<MetricsEntry> expected = MetricsLog.read(straight);
        List<MetricsEntry> actual = MetricsLog.read(crashed);
        assertEquals(expected.stream().map(MetricsEntry::step).toList(), actual.stream().map(MetricsEntry::step).toList(),
                "one metrics line per step, none lost or repeated");
        for (int s = 0; s < STEPS; s++) {
            double want = expected.get(s).loss();
            assertEquals(want, actual.get(s).loss(), 1e-5 * Math.abs(want), "loss of step " + (s + 1));
        }
    }
}
