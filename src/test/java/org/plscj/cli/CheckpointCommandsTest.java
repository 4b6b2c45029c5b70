package org.plscj.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.plscj.testing.TinyRun;
import org.plscj.comm.Communicator;
import org.plscj.data.DataConvert;
import org.plscj.tensor.Native;
import org.plscj.testing.TinyBackbone;
import org.plscj.train.TrainConfigLoader;
import org.plscj.train.Trainer;

/** {@code plsc reshard} and {@code plsc inspect} on a checkpoint of a short single-worker run. */
class CheckpointCommandsTest {
    private record Result(int exit, String out, String err) {}

    private static Result plsc(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Plsc.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    private static Path trainedCheckpoint(Path dir) throws Exception {
        Native.load();
        DataConvert.fromGenerator(12, 4, 5, 0, dir.resolve("data"), 1);
        List<String> overrides = List.of("model_name=" + TinyBackbone.class.getName(), "emb_dim=16", "num_classes=12",
                "train_batch_size=8", TinyRun.FP32, "train_steps=2", "save_steps=2", "val_targets=[]", "loss_type=dist_arcface",
                "dataset_dir=" + dir.resolve("data"), "model_save_dir=" + dir.resolve("model"));
        try (Communicator comm = Communicator.single();
                Trainer trainer = new Trainer(TrainConfigLoader.load(null, overrides), comm, false, new PrintStream(new ByteArrayOutputStream()))) {
            return trainer.run().lastCheckpoint();
        }
    }

    @Test
    void reshardsAndInspects(@TempDir Path dir) throws Exception {
        Path saved = trainedCheckpoint(dir);
        Path two = dir.resolve("two");
        Result reshard = plsc("reshard", "--from", saved.toString(), "--to", two.toString(), "--nranks", "2");
        assertEquals(0, reshard.exit(), reshard.err());
        assertTrue(reshard.out().contains("→ " + two + " on 2 worker(s)"), reshard.out());
        assertTrue(reshard.err().lines().anyMatch(l -> l.matches("reshard: \\d+/\\d+ files \\(100%\\), .*")), "progress on stderr: " + reshard.err());

        Result inspect = plsc("inspect", two.toString());
        assertEquals(0, inspect.exit(), inspect.err());
        String text = inspect.out();
        for (String expected : List.of("model_name " + TinyBackbone.class.getName(), "loss_type dist_arcface", "emb_dim 16",
                "num_classes 12", "step 2", "world_size 2", "head-rank-1-of-2.pt", "classes [0, 6), weight [6, 16], momentum [6, 16]",
                "classes [6, 12)", "all 4 files OK")) {
            assertTrue(text.contains(expected), "'" + expected + "' in:\n" + text);
        }

        Path shard = two.resolve("head-rank-0-of-2.pt");
        byte[] bytes = Files.readAllBytes(shard);
        bytes[bytes.length / 2] ^= 1;
        Files.write(shard, bytes);
        Result damaged = plsc("inspect", two.toString());
        assertEquals(2, damaged.exit(), damaged.out());
        assertTrue(damaged.out().contains("BAD") && damaged.out().contains(shard + " is damaged"), damaged.out());

        Result refused = plsc("reshard", "--from", two.toString(), "--to", dir.resolve("three").toString(), "--nranks", "3");
        assertEquals(2, refused.exit(), refused.out());
        assertTrue(refused.err().contains(shard + " is damaged"), refused.err());
        assertTrue(Files.notExists(dir.resolve("three")));

        Result notOne = plsc("inspect", dir.toString());
        assertEquals(2, notOne.exit());
        assertTrue(notOne.err().contains(dir + " is not a checkpoint"), notOne.err());
    }
}
