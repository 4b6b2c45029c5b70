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
import org.plscj.comm.Communicator;
import org.plscj.data.DataConvert;
import org.plscj.tensor.Native;
import org.plscj.testing.Jvm;
import org.plscj.testing.TinyBackbone;

/**
 * data_order: global makes a checkpoint continue on a different number of workers exactly as on the original
 * number: train 4 steps on 2 workers (batch 4 each), then continue to step 8 once on 2 workers and once on ONE
 * worker with batch 8 (the same global batch; the head resharded on load). The losses of steps 5–8 agree.
 * (Full softmax and a backbone without BatchNorm: Partial FC samples per rank and BN normalises per worker's
 * batch, so those differ by design between worker counts.)
 */
class ElasticResumeTest {
    private static final int CLASSES = 11;

    private static List<String> overrides(Path data, Path save, int batch, int steps) {
        return List.of("model_name=" + TinyBackbone.class.getName(), "emb_dim=16", "num_classes=" + CLASSES,
                "train_batch_size=" + batch, "lr=2.0", "train_steps=" + steps, "save_steps=4", "log_period=1", "val_targets=[]",
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

        launchTwo(overrides(data, two, 4, 8), true);
        try (Communicator comm = Communicator.single();
                Trainer trainer = new Trainer(TrainConfigLoader.load(null, overrides(data, one, 8, 8)), comm, true,
                        new PrintStream(new ByteArrayOutputStream()))) {
            trainer.run();
        }
        List<MetricsEntry> a = MetricsLog.read(two);
        List<MetricsEntry> b = MetricsLog.read(one);
        assertEquals(8, a.size());
        assertEquals(8, b.size());
        for (int s = 0; s < 8; s++) {
            assertEquals(a.get(s).step(), b.get(s).step());
            assertEquals(a.get(s).loss(), b.get(s).loss(), 1e-5 * Math.abs(a.get(s).loss()), "loss of step " + (s + 1));
        }
    }
}
