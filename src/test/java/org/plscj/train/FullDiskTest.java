package org.plscj.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.plscj.testing.TinyRun;
import org.plscj.checkpoint.Checkpoint;
import org.plscj.data.DataConvert;
import org.plscj.tensor.Native;
import org.plscj.testing.Jvm;
import org.plscj.testing.Shell;
import org.plscj.testing.TinyBackbone;

/**
 * A full disk during a save, for real: model_save_dir on a tmpfs with room for one checkpoint. Every worker
 * exits with code 5 saying which rank failed on which path (not "a peer was lost"), and the checkpoint saved
 * before is intact. Needs root to mount the tmpfs (CI runs as root); skipped otherwise.
 */
class FullDiskTest {
    @TempDir
    Path dir;
    private Path mounted;


    @AfterEach
    void unmount() throws Exception {
        if (mounted != null) {
            Shell.run("umount", "-l", mounted.toString());
        }
    }

    @Test
    void aFullDiskFailsTheSaveOnEveryRankNamingThePathAndKeepsTheLastCheckpoint() throws Exception {
        Native.load();
        Path disk = Files.createDirectories(dir.resolve("disk"));
        // room for the config, the metrics and one checkpoint of TinyBackbone (~120 KB), not for two
        Assumptions.assumeTrue(Shell.run("mount", "-t", "tmpfs", "-o", "size=192k", "tmpfs", disk.toString()) == 0,
                "cannot mount a tmpfs here (not root?): the full-disk test needs one");
        mounted = disk;
        Path data = dir.resolve("data");
        DataConvert.fromGenerator(11, 6, 5, 0, data, 1);
        Path save = disk.resolve("run");
        List<String> args = new ArrayList<>(List.of("launch", "--nproc", "2", "--master-port", "0", "--", "train", "--timeout", "60",
                "model_name=" + TinyBackbone.class.getName(), "emb_dim=16", "num_classes=11", "train_batch_size=4", "lr=1.0",
                TinyRun.FP32, "train_steps=8", "save_steps=2", "max_last_checkpoint_num=5", "log_period=1", "val_targets=[]", "loss_type=dist_cosface",
                "scale=16", "dataset_dir=" + data, "model_save_dir=" + save));
        Jvm.Running launch = Jvm.plsc(args);
        int code = launch.waitFor(180);
        String out = launch.output();
        assertEquals(5, code, out);
        Matcher m = Pattern.compile("rank (\\d) on \\S+ \\([^)]*\\) failed to save the checkpoint of step (\\d+): cannot write (\\S+): No space"
                + " left on device")
                .matcher(out);
        assertTrue(m.find(), out);
        for (int r = 0; r < 2; r++) {
            assertTrue(out.contains("[rank " + r + "] plsc train: error: rank " + m.group(1) + " on "), "rank " + r + ":\n" + out);
        }
        assertFalse(out.contains("peer was lost"), out);
        List<Path> saved;
        try (var s = Files.list(save.resolve("checkpoints"))) {
            saved = s.filter(p -> p.getFileName().toString().startsWith("step-")).sorted().toList();
        }
        assertFalse(saved.isEmpty(), "the first checkpoint fitted");
        for (Path c : saved) {
            Checkpoint.open(c); // verifies every file against the manifest
        }
    }
}
