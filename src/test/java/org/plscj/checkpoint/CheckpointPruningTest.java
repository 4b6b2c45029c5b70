package org.plscj.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.plscj.comm.Communicator;
import org.plscj.head.HeadConfig;
import org.plscj.head.LossType;
import org.plscj.head.PartialFC;
import org.plscj.tensor.Native;
import org.plscj.testing.TinyBackbone;

/** Keeping the last N checkpoints never deletes the one just written, nor one the caller pins (a pending upload). */
class CheckpointPruningTest {
    @BeforeAll
    static void load() {
        Native.load();
    }

    private static List<String> saveSteps(CheckpointStore store, long... steps) throws Exception {
        try (Communicator comm = Communicator.single(); PartialFC head = new PartialFC(HeadConfig.of(10, 8, LossType.ARCFACE), comm);
                PointerScope scope = new PointerScope()) {
            TinyBackbone backbone = new TinyBackbone(8);
            for (long s : steps) {
                store.save(new Snapshot(s, 0, 0.1, "", "run", backbone, Map.of(), head), comm);
            }
        }
        try (Stream<Path> s = Files.list(store.root())) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void theOldestGoFirst(@TempDir Path dir) throws Exception {
        assertEquals(List.of("step-00000004", "step-00000006"), saveSteps(new CheckpointStore(dir, 2), 2, 4, 6));
    }

    @Test
    void aPinnedCheckpointIsKeptBeyondTheLimit(@TempDir Path dir) throws Exception {
        Set<String> pinned = Set.of("step-00000002");
        CheckpointStore store = new CheckpointStore(dir, 1, p -> pinned.contains(p.getFileName().toString()));
        assertEquals(List.of("step-00000002", "step-00000006"), saveSteps(store, 2, 4, 6));
    }

    @Test
    void theCheckpointJustWrittenSurvivesAHigherNumberedOne(@TempDir Path dir) throws Exception {
        CheckpointStore store = new CheckpointStore(dir, 1);
        saveSteps(store, 10);
        assertEquals(List.of("step-00000002"), saveSteps(store, 2));
    }
}
