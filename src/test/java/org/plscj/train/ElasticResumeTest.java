package org.plscj.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.plscj.testing.TinyRun;
import org.plscj.comm.Communicator;
import org.plscj.data.DataConvert;
import org.plscj.tensor.Native;
import org.plscj.testing.Jvm;
import org.plscj.testing.TinyBackbone;

/**
 * data_order: global makes a checkpoint continue on a different number of workers exactly as on the original
 * number: train 4 steps on 2 workers (batch 4 each), then continue to step 8 once on 2 workers and once on ONE
 * worker with the same command (elastic_batch keep_global makes its batch 8, the same global batch; the head resharded
 * on load). The losses of steps 5–8 agree. Under keep_per_worker the one worker keeps batch 4 and the lr halves.
 * (Full softmax and a backbone without BatchNorm: Partial FC samples per rank and BN normalises per worker's
 * batch, so those differ by design between worker counts.)
 */
class ElasticResumeTest {
    private static final int CLASSES = 11;

    private static List<String> overrides(Path data, Path save, int batch, int steps) {
        return List.of("model_name=" + TinyBackbone.class.getName(), "emb_dim=16", "num_classes=" + CLASSES,
                "train_batch_size=" + batch, "lr=2.0", TinyRun.FP32, "train_steps=" + steps, "save_steps=4", "log_period=1", "val_targets=[]",
                "loss_type=dist_cosface", "scale=16", "data_order=global", "dataset_dir=" + data, "model_save_dir=" + save);
    }

    private static void launchTwo(List<String> overrides, boolean resume) throws Exception {
        List<String> args = new ArrayList<>(List.of("launch", "--nproc", "2", "--master-port", "0", "--", "train", "--timeout", "120"));
        if (resume) {
            args.add("--resume");
        }
        args.addAll(overrides);
        Jvm.Running run = Jvm.plsc(args);
        assertEquals(0, run.waitFor(300), run.output());
    }

    private static void copyTree(Path from, Path to) throws Exception {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Files.copy(p, to.resolve(from.relativize(p).toString()));
            }
        }
    }

    @Test
    void aRunContinuesOnOneWorkerExactlyAsOnTwo(@TempDir Path dir) throws Exception {
        Native.load();
        Path data = dir.resolve("data");
        DataConvert.fromGenerator(CLASSES, 6, 5, 0, data, 1);
        Path two = dir.resolve("two");
        launchTwo(overrides(data, two, 4, 4), false);
        Path one = dir.resolve("one");
        copyTree(two, one);
        Path perWorker = dir.resolve("per-worker");
        copyTree(two, perWorker);

        launchTwo(overrides(data, two, 4, 8), true);
        try (Communicator comm = Communicator.single();
                Trainer trainer = new Trainer(TrainConfigLoader.load(null, overrides(data, one, 4, 8)), comm, true,
                        new PrintStream(new ByteArrayOutputStream()))) {
            trainer.run(); // the two workers' command: elastic_batch keep_global (the default) makes it 8 per worker
        }
        List<MetricsEntry> a = MetricsLog.read(two);
        List<MetricsEntry> b = MetricsLog.read(one);
        assertEquals(8, a.size());
        assertEquals(8, b.size());
        for (int s = 0; s < 8; s++) {
            assertEquals(a.get(s).step(), b.get(s).step());
            assertEquals(a.get(s).loss(), b.get(s).loss(), 1e-5 * Math.abs(a.get(s).loss()), "loss of step " + (s + 1));
        }
        assertEquals(8.0, b.get(7).extra().get("per_worker_batch"));
        assertEquals(1.0, b.get(7).extra().get("elastic_batch_keep_global"));

        // keep_per_worker: 4 images per worker on one worker halve the global batch, and with it the lr
        List<String> keep = new ArrayList<>(overrides(data, perWorker, 4, 8));
        keep.add("elastic_batch=keep_per_worker");
        try (Communicator comm = Communicator.single();
                Trainer trainer = new Trainer(TrainConfigLoader.load(null, keep), comm, true, new PrintStream(new ByteArrayOutputStream()))) {
            trainer.run();
        }
        List<MetricsEntry> c = MetricsLog.read(perWorker);
        for (int s = 4; s < 8; s++) {
            // why 1e-12: the same double arithmetic on a factor of exactly 1/2
            assertEquals(a.get(s).lr() / 2, c.get(s).lr(), 1e-12 * a.get(s).lr(), "lr of step " + (s + 1));
            assertEquals(4.0, c.get(s).extra().get("per_worker_batch"));
        }
    }
}
