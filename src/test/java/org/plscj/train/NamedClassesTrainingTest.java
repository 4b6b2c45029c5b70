package org.plscj.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.plscj.testing.TinyRun;
import org.plscj.checkpoint.Checkpoint;
import org.plscj.comm.Communicator;
import org.plscj.data.DataConvert;
import org.plscj.labels.LabelMap;
import org.plscj.labels.LabelMapException;
import org.plscj.tensor.Native;
import org.plscj.testing.TinyBackbone;

/**
 * The data's {@code labels.tsv} goes into every checkpoint; a run growing a checkpoint takes the new names when they
 * keep the saved ones on their labels, and is refused before training when the data was renumbered.
 */
class NamedClassesTrainingTest {
    private static final List<String> FOUR = List.of("bob", "dan", "eve", "fay");

    @TempDir
    static Path shared;
    private static Path saved;

    private static Trainer trainer(Path save, Path data, int classes, String... extra) throws Exception {
        List<String> overrides = new ArrayList<>(List.of("model_name=" + TinyBackbone.class.getName(), "emb_dim=16",
                "num_classes=" + classes, "train_batch_size=4", "lr=1.0", TinyRun.FP32, "train_steps=2", "save_steps=2", "val_targets=[]",
                "loss_type=dist_softmax", "dataset_dir=" + data, "model_save_dir=" + save));
        overrides.addAll(List.of(extra));
        return new Trainer(TrainConfigLoader.load(null, overrides), Communicator.single(), false, new PrintStream(new ByteArrayOutputStream()));
    }

    /** Generated identities with a labels.tsv naming them {@code names} (label = position). */
    private static Path namedData(String dir, List<String> names) throws Exception {
        Path data = shared.resolve(dir);
        DataConvert.fromGenerator(names.size(), 2, 5, 0, data, 1);
        LabelMap.numbered(names, dir).write(data.resolve(LabelMap.FILE));
        return data;
    }

    @BeforeAll
    static void trainFourNamedClasses() throws Exception {
        Native.load();
        try (Trainer t = trainer(shared.resolve("base"), namedData("four", FOUR), 4)) {
            saved = t.run().lastCheckpoint();
        }
    }

    @Test
    void everyCheckpointCarriesTheDataNames() throws Exception {
        assertEquals(LabelMap.numbered(FOUR, "x").entries(), Checkpoint.open(saved).labels().orElseThrow().entries());
    }

    @Test
    void growingTakesTheNewNamesAfterTheSavedOnes(@TempDir Path dir) throws Exception {
        List<String> six = new ArrayList<>(FOUR);
        six.addAll(List.of("alice", "carol"));
        Path data = namedData("six", six);
        try (Trainer t = trainer(dir, data, 6, "checkpoint_dir=" + saved, "grow_classes=true", "train_steps=4")) {
            Path grown = t.run().lastCheckpoint();
            assertEquals(LabelMap.numbered(six, "x").entries(), Checkpoint.open(grown).labels().orElseThrow().entries());
        }
    }

    @Test
    void growingOnRenumberedDataIsRefusedNamingTheLabel(@TempDir Path dir) throws Exception {
        List<String> sorted = List.of("alice", "bob", "carol", "dan", "eve", "fay");
        Path data = namedData("sorted", sorted);
        LabelMapException e = assertThrows(LabelMapException.class,
                () -> trainer(dir, data, 6, "checkpoint_dir=" + saved, "grow_classes=true").close());
        assertTrue(e.getMessage().contains("gives label 0 to 'alice'") && e.getMessage().contains("gives it to 'bob' (now label 1)")
                && e.getMessage().contains(saved.resolve(LabelMap.FILE).toString()), e.getMessage());
    }

    @Test
    void aLabelsFileNamingMoreClassesThanNumClassesIsRefused(@TempDir Path dir) throws Exception {
        Path data = namedData("five-names", List.of("a", "b", "c", "d", "e"));
        LabelMapException e = assertThrows(LabelMapException.class, () -> trainer(dir, data, 4).close());
        assertTrue(e.getMessage().contains("label 4 ('e')") && e.getMessage().contains("num_classes"), e.getMessage());
    }
}
