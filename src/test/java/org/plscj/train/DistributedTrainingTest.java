package org.plscj.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.plscj.testing.TinyRun;
import org.plscj.checkpoint.Checkpoint;
import org.plscj.comm.Communicator;
import org.plscj.data.DataConvert;
import org.plscj.head.ClassShard;
import org.plscj.tensor.Native;
import org.plscj.tensor.Tensors;
import org.plscj.testing.Jvm;
import org.plscj.testing.TinyBackbone;

/**
 * {@code plsc launch --nproc 2 -- train …} in separate JVMs writes one head shard per worker; the run then
 * resumes on ONE worker, which rebuilds its shard from both (W and momentum), and continues. PyTorch opens the
 * checkpoint files with a plain torch.load.
 */
class DistributedTrainingTest {
    private static final int CLASSES = 13;

    private static List<String> overrides(Path data, Path save, int steps) {
        return List.of("model_name=" + TinyBackbone.class.getName(), "emb_dim=16", "num_classes=" + CLASSES, "train_batch_size=4",
                "lr=4.0", TinyRun.FP32, "train_steps=" + steps, "save_steps=2", "log_period=1", "val_targets=[]", "loss_type=dist_arcface",
                "scale=16", "dataset_dir=" + data, "model_save_dir=" + save);
    }

    @Test
    void twoWorkersTrainAndOneWorkerResumesFromTheirShards(@TempDir Path dir) throws Exception {
        Native.load();
        Path data = dir.resolve("data");
        DataConvert.fromGenerator(CLASSES, 6, 3, 0, data, 1);
        Path save = dir.resolve("model");
        List<String> args = new ArrayList<>(List.of("launch", "--nproc", "2", "--master-port", "0", "--", "train", "--timeout", "120"));
        args.addAll(overrides(data, save, 4));
        Jvm.Running launch = Jvm.plsc(args);
        assertEquals(0, launch.waitFor(300), launch.output());
        assertTrue(launch.output().contains("[rank 0] plsc train: done after 4 steps"), launch.output());

        Path saved = save.resolve("checkpoints").resolve("step-00000004");
        Checkpoint checkpoint = Checkpoint.open(saved);
        assertEquals(2, checkpoint.meta().worldSize());
        try (PointerScope scope = new PointerScope()) {
            Tensor whole = checkpoint.headShard(ClassShard.of(CLASSES, 1, 0)).weight();
            Tensor upper = checkpoint.headShard(ClassShard.of(CLASSES, 2, 1)).weight();
            assertEquals(CLASSES, whole.size(0));
            assertEquals(0, Tensors.maxAbs(whole.narrow(0, 7, 6).sub(upper)), "rank 1 of 2 owns classes 7..12");
        }

        try (Communicator comm = Communicator.single();
                Trainer trainer = new Trainer(TrainConfigLoader.load(null, overrides(data, save, 6)), comm, true,
                        new PrintStream(new ByteArrayOutputStream()))) {
            Trainer.Summary summary = trainer.run();
            assertTrue(Double.isFinite(summary.loss()));
            assertEquals(1, Checkpoint.open(summary.lastCheckpoint()).meta().worldSize());
        }
        List<MetricsEntry> log = MetricsLog.read(save);
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), log.stream().map(MetricsEntry::step).toList());

        assertOpensInPyTorch(saved);
    }

    private static void assertOpensInPyTorch(Path checkpoint) throws Exception {
        Path python = Path.of("/usr/bin/python3");
        Assumptions.assumeTrue(Files.isExecutable(python), "no /usr/bin/python3");
        Process probe = new ProcessBuilder(python.toString(), "-c", "import torch").start();
        Assumptions.assumeTrue(probe.waitFor() == 0, "no torch in /usr/bin/python3");
        String script = String.join("\n",
                "import sys, torch",
                "d = sys.argv[1]",
                "b = torch.load(d + '/backbone.pt')",
                "h = torch.load(d + '/head-rank-1-of-2.pt')",
                "o = torch.load(d + '/optimizer.pt')",
                "print(sorted(b.keys()), tuple(b['fc.weight'].shape), tuple(h['weight'].shape), h['class_start'], sorted(o.keys()))");
        Process p = new ProcessBuilder(python.toString(), "-c", script, checkpoint.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        assertEquals(0, p.waitFor(), out);
        assertEquals("['conv.bias', 'conv.weight', 'fc.bias', 'fc.weight'] (16, 784) (6, 16) 7 "
                + "['conv.bias', 'conv.weight', 'fc.bias', 'fc.weight']", out);
    }
}
