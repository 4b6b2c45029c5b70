package org.plscj.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.plscj.comm.Communicator;
import org.plscj.head.HeadConfig;
import org.plscj.head.LossType;
import org.plscj.head.PartialFC;
import org.plscj.labels.LabelMap;
import org.plscj.labels.LabelMapException;
import org.plscj.tensor.Native;
import org.plscj.testing.TinyBackbone;

/** The classes' names travel with the head: saved beside meta.json, kept by a reshard, checked when a run continues. */
class CheckpointLabelsTest {
    private static final int CLASSES = 5;
    private static final LabelMap NAMES = LabelMap.numbered(List.of("bob", "dan", "eve", "fay", "gus"), "data/labels.tsv");

    @TempDir
    Path dir;

    @BeforeAll
    static void load() {
        Native.load();
    }

    private Path save(Path root, LabelMap labels) throws Exception {
        try (Communicator comm = Communicator.single(); PartialFC head = new PartialFC(HeadConfig.of(CLASSES, 8, LossType.ARCFACE), comm);
                PointerScope scope = new PointerScope()) {
            return new CheckpointStore(root, 1).save(new Snapshot(2, 0, 0.1, "", "run", new TinyBackbone(8), Map.of(), head, labels), comm);
        }
    }

    @Test
    void labelsSurviveSaveReshardAndLoad() throws Exception {
        Path saved = save(dir.resolve("run"), NAMES);
        assertTrue(Checkpoint.readMeta(saved).sha256().containsKey(LabelMap.FILE), "the manifest checks labels.tsv like every file");
        Path resharded = dir.resolve("resharded");
        Reshard.run(saved, resharded, 3);
        Checkpoint loaded = Checkpoint.open(resharded);
        assertEquals(NAMES.entries(), loaded.labels().orElseThrow().entries());
        assertEquals(Files.readString(saved.resolve(LabelMap.FILE)), Files.readString(resharded.resolve(LabelMap.FILE)));
        assertTrue(Checkpoint.neededFiles(loaded.meta(), 0, 1, org.plscj.head.ClassShard.of(CLASSES, 1, 0)).contains(LabelMap.FILE),
                "rank 0, which saves the names, verifies them on resume");
    }

    @Test
    void aCheckpointWithoutNamesHasNone() throws Exception {
        assertEquals(Optional.empty(), Checkpoint.open(save(dir, null)).labels());
    }

    @Test
    void labelsNamingAClassTheCheckpointLacksAreRefusedNamingTheFile() throws Exception {
        LabelMap tooMany = NAMES.extendedWith(List.of("hal"), false);
        Path saved = save(dir.resolve("run"), tooMany);
        LabelMapException e = assertThrows(LabelMapException.class, () -> Checkpoint.open(saved).labels());
        assertTrue(e.getMessage().contains(saved.resolve(LabelMap.FILE).toString()) && e.getMessage().contains("label 5 ('hal')")
                && e.getMessage().contains("has 5 classes"), e.getMessage());
        assertThrows(LabelMapException.class, () -> Reshard.run(saved, dir.resolve("resharded"), 2));
        assertFalse(Files.exists(dir.resolve("resharded")), "nothing is written");
    }

    @Test
    void aGrowingRunKeepsTheSavedLabelsAndAddsItsNewNames() throws Exception {
        Checkpoint c = Checkpoint.open(save(dir, NAMES));
        LabelMap grown = NAMES.extendedWith(List.of("alice"), false).from("data-v2/labels.tsv");
        assertEquals(Optional.of(grown), c.labelsContinuedBy(Optional.of(grown)));
        assertEquals(NAMES.entries(), c.labelsContinuedBy(Optional.empty()).orElseThrow().entries(), "data without names keeps the saved ones");
    }

    @Test
    void aRunOnRenumberedDataIsRefusedNamingBothFiles() throws Exception {
        Path saved = save(dir, NAMES);
        LabelMap renumbered = LabelMap.numbered(List.of("alice", "bob", "dan", "eve", "fay", "gus"), "data-v2/labels.tsv");
        LabelMapException e = assertThrows(LabelMapException.class, () -> Checkpoint.open(saved).labelsContinuedBy(Optional.of(renumbered)));
        assertTrue(e.getMessage().contains("data-v2/labels.tsv gives label 0 to 'alice'")
                && e.getMessage().contains(saved.resolve(LabelMap.FILE) + " gives it to 'bob'"), e.getMessage());
    }
}
