package org.plscj.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.plscj.testing.TinyRun;
import org.plscj.comm.Communicator;
import org.plscj.data.DataConvert;
import org.plscj.tensor.Native;
import org.plscj.testing.Jvm;
import org.plscj.testing.TinyBackbone;

/**
 * {@code plsc launch --max-restarts N}: a killed worker restarts the group with --resume, and the run ends with
 * the losses of an uninterrupted one; bad input (exit 2) is never retried.
 */
class LaunchRestartTest {
    @TempDir
    static Path dir;

    @BeforeAll
    static void data() throws Exception {
        Native.load();
        DataConvert.fromGenerator(11, 8, 5, 0, dir.resolve("data"), 1);
    }

    private static List<String> overrides(Path save, int batch) {
        return List.of("model_name=" + TinyBackbone.class.getName(), "emb_dim=16", "num_classes=11", "train_batch_size=" + batch,
                "lr=1.0", TinyRun.FP32, "train_steps=8", "save_steps=2", "log_period=1", "val_targets=[]", "loss_type=dist_cosface", "scale=16",
                "data_order=global", "dataset_dir=" + dir.resolve("data"), "model_save_dir=" + save);
    }

    @Test
    void aKilledWorkerRestartsTheGroupFromTheNewestCheckpointWithTheSameLosses() throws Exception {
        Path single = dir.resolve("single");
        try (Communicator comm = Communicator.single();
                Trainer t = new Trainer(TrainConfigLoader.load(null, overrides(single, 8)), comm, false,
                        new PrintStream(new ByteArrayOutputStream()))) {
            t.run();
        }
        Path save = dir.resolve("restarted");
        List<String> args = new ArrayList<>(List.of("launch", "--nproc", "2", "--master-port", "0", "--max-restarts", "2",
                "--restart-delay", "0", "--", "train", "--timeout", "60"));
        args.addAll(overrides(save, 4));
        Jvm.Running launch = Jvm.plsc(args);
        launch.awaitLine("saved step-00000004", 120);
        List<ProcessHandle> workers = launch.process.children().toList();
        assertEquals(2, workers.size(), launch.output());
        workers.get(1).destroyForcibly();
        assertEquals(0, launch.waitFor(240), launch.output());
        String out = launch.output();
        assertTrue(out.contains("plsc launch: restart 1 of 2 in 0 s after rank 1") && out.contains("killed by signal 9"), out);
        assertTrue(out.contains("plsc train: resumed from "), out);
        assertFalse(out.contains("is connected to 1 peer ranks"), "libtorch's start-up chatter is hidden without --verbose");

        List<Double> expected = MetricsLog.read(single).stream().map(MetricsEntry::loss).toList();
        List<MetricsEntry> actual = MetricsLog.read(save);
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L), actual.stream().map(MetricsEntry::step).toList());
        for (int s = 0; s < expected.size(); s++) {
            // why relative 1e-5: the same float32 math; 2 workers sum the batch in another order than 1
            assertEquals(expected.get(s), actual.get(s).loss(), 1e-5 * Math.abs(expected.get(s)), "loss of step " + (s + 1));
        }
    }

    @Test
    void badInputIsNeverRetried() throws Exception {
        List<String> args = new ArrayList<>(List.of("launch", "--nproc", "1", "--master-port", "0", "--max-restarts", "3",
                "--restart-delay", "0", "--", "train"));
        args.addAll(overrides(dir.resolve("bad"), 4));
        args.add("num_classes=3"); // the data's labels go up to 10
        Jvm.Running launch = Jvm.plsc(args);
        assertEquals(2, launch.waitFor(120), launch.output());
        assertFalse(launch.output().contains("restart 1"), launch.output());
    }

    @Test
    void restartAndElasticOptionsThatCannotWorkAreRefusedAtStartWithTheReason() throws Exception {
        List<String> train = new ArrayList<>(List.of("--", "train"));
        train.addAll(overrides(dir.resolve("refused"), 4));
        List<String> noSaveDir = overrides(dir.resolve("refused"), 4).stream().filter(o -> !o.startsWith("model_save_dir=")).toList();
        Map<List<String>, String> cases = new LinkedHashMap<>();
        cases.put(List.of("--max-restarts", "-1"), "--max-restarts must be ≥ 0, got -1");
        cases.put(List.of("--nnodes", "3:2", "--master-addr", "127.0.0.1"), "MIN 3 is above MAX 2");
        cases.put(List.of("--nnodes", "1:2"), "--nnodes 1:2 needs --master-addr");
        cases.put(List.of("--max-restarts", "1", "--", "train"), "needs the train command to name model_save_dir");
        for (Map.Entry<List<String>, String> c : cases.entrySet()) {
            List<String> args = new ArrayList<>(List.of("launch", "--nproc", "1", "--master-port", "29700"));
            args.addAll(c.getKey());
            args.addAll(c.getKey().contains("--") ? noSaveDir : train);
            Jvm.Running launch = Jvm.start("org.plscj.cli.Plsc", Map.of("MASTER_ADDR", ""), args);
            assertEquals(2, launch.waitFor(60), launch.output());
            assertTrue(launch.output().contains(c.getValue()), c.getKey() + " → " + launch.output());
            assertFalse(launch.output().contains("[rank 0]"), "no worker started: " + launch.output());
        }
    }
}
