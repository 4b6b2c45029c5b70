package org.plscj.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.plscj.checkpoint.Checkpoint;
import org.plscj.comm.Communicator;
import org.plscj.tensor.Native;
import org.plscj.testing.EventFileReader;
import org.plscj.testing.Jvm;
import org.plscj.testing.TinyRun;

/**
 * One run per model_save_dir: rank 0 holds a lock for the whole run (a second trainer is refused naming the
 * holder, a dead holder's lock is taken over and said); a fresh run refuses another run's checkpoints unless
 * forced (then moves them aside, loudly); every checkpoint carries its run's id, kept across resumes.
 */
class SaveDirectoryTest {
    @TempDir
    static Path shared;
    private static Path data;

    @BeforeAll
    static void writeData() throws Exception {
        Native.load();
        data = shared.resolve("data");
        TinyRun.writeData(data);
    }

    private static TrainConfig config(Path saveDir) {
        return TinyRun.config(data, saveDir, "val_targets=[]", "save_steps=3");
    }

    private static Trainer trainer(Path saveDir, boolean resume, boolean force, ByteArrayOutputStream log) throws Exception {
        return new Trainer(config(saveDir), Communicator.single(), resume, force, new PrintStream(log, true, StandardCharsets.UTF_8));
    }

    private static List<String> names(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aSecondTrainerInAnotherProcessIsRefusedNamingTheHolder(@TempDir Path dir) throws Exception {
        Jvm.Running holder = Jvm.start(HoldRunLock.class.getName(), Map.of(), List.of(dir.toString()));
        try {
            holder.awaitLine("locked", 60);
            ConfigException e = assertThrows(ConfigException.class, () -> trainer(dir, false, false, new ByteArrayOutputStream()).close());
            assertTrue(e.getMessage().contains("is in use by another trainer (host ") && e.getMessage().contains(
                    "pid " + holder.process.pid()), e.getMessage());
        } finally {
            holder.process.destroyForcibly().waitFor();
        }
        // the holder died without cleaning up: its lock is gone with it, the file is taken over and said
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        trainer(dir, false, false, log).close();
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("taking over the lock of host "), log.toString(StandardCharsets.UTF_8));
        assertFalse(Files.exists(dir.resolve(RunLock.FILE)), "a trainer that ends cleanly leaves no lock file");
    }

    @Test
    void aSecondTrainerInThisProcessIsRefusedToo(@TempDir Path dir) throws Exception {
        try (Trainer first = trainer(dir, false, false, new ByteArrayOutputStream())) {
            ConfigException e = assertThrows(ConfigException.class, () -> trainer(dir, false, false, new ByteArrayOutputStream()).close());
            assertTrue(e.getMessage().contains("pid " + ProcessHandle.current().pid()), e.getMessage());
        }
    }

    @Test
    void aFreshRunRefusesAnotherRunsCheckpointsAndForceMovesThemAsideLoudly(@TempDir Path dir) throws Exception {
        try (Trainer t = trainer(dir, false, false, new ByteArrayOutputStream())) {
            t.run();
        }
        List<String> first = names(dir.resolve("checkpoints"));
        assertEquals(List.of("step-00000003", "step-00000006"), first);
        String firstRun = Checkpoint.open(dir.resolve("checkpoints/step-00000006")).meta().runId();

        ConfigException e = assertThrows(ConfigException.class, () -> trainer(dir, false, false, new ByteArrayOutputStream()).close());
        assertTrue(e.getMessage().contains("already holds checkpoints") && e.getMessage().contains("--resume")
                && e.getMessage().contains("--force"), e.getMessage());
        assertEquals(first, names(dir.resolve("checkpoints")), "nothing touched");

        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try (Trainer t = trainer(dir, false, true, log)) {
            t.run();
        }
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("--force: MOVED"), log.toString(StandardCharsets.UTF_8));
        Path archive;
        try (Stream<Path> s = Files.list(dir)) {
            archive = s.filter(p -> p.getFileName().toString().startsWith("replaced-")).findFirst().orElseThrow();
        }
        assertEquals(first, names(archive.resolve("checkpoints")), "the earlier run's checkpoints are kept aside");
        assertTrue(Files.exists(archive.resolve(MetricsLog.FILE_NAME)));
        assertEquals(1, EventFileReader.files(archive.resolve(TrainingLog.TB_DIR)).size(), "the earlier run's TensorBoard file too");
        assertEquals(1, EventFileReader.files(dir.resolve(TrainingLog.TB_DIR)).size(), "the new run's TensorBoard file only");
        String secondRun = Checkpoint.open(dir.resolve("checkpoints/step-00000006")).meta().runId();
        assertFalse(secondRun.equals(firstRun), "a new run has a new id");
        assertEquals(6, MetricsLog.read(dir).size(), "the new run's metrics only");
    }

    @Test
    void aResumedRunKeepsItsRunId(@TempDir Path dir) throws Exception {
        try (Trainer t = new Trainer(TinyRun.config(data, dir, "val_targets=[]", "save_steps=3", "train_steps=3"), Communicator.single(),
                false, new PrintStream(new ByteArrayOutputStream()))) {
            t.run();
        }
        String id = Checkpoint.open(dir.resolve("checkpoints/step-00000003")).meta().runId();
        try (Trainer t = trainer(dir, true, false, new ByteArrayOutputStream())) {
            t.run();
        }
        assertEquals(id, Checkpoint.open(dir.resolve("checkpoints/step-00000006")).meta().runId());
    }
}
