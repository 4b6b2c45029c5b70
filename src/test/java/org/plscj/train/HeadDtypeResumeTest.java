package org.plscj.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.plscj.checkpoint.Checkpoint;
import org.plscj.checkpoint.Reshard;
import org.plscj.comm.Communicator;
import org.plscj.head.ClassShard;
import org.plscj.head.HeadDtype;
import org.plscj.tensor.Native;
import org.plscj.tensor.Tensors;
import org.plscj.testing.TinyRun;

/**
 * head_dtype: the checkpoint keeps the head in the dtype it was trained in (the storage class of its tensors, so a
 * checkpoint from before the key reads as float32), resharding keeps it, and a run resumed under the other dtype
 * converts the head with one line saying so, never silently.
 */
class HeadDtypeResumeTest {
    @TempDir
    static Path shared;

    @BeforeAll
    static void load() throws Exception {
        Native.load();
        TinyRun.writeData(shared.resolve("data"));
    }

    private static TrainConfig config(Path save, String... extra) {
        List<String> all = new ArrayList<>(List.of("save_steps=3", "val_targets=[]"));
        all.addAll(List.of(extra));
        return TinyRun.config(shared.resolve("data"), save, all.toArray(new String[0]));
    }

    /** Trains {@code config} and returns what the trainer printed. */
    private static String train(TrainConfig config) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (Communicator comm = Communicator.single();
                Trainer trainer = new Trainer(config, comm, false, new PrintStream(out, true, StandardCharsets.UTF_8))) {
            trainer.run();
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static ScalarType savedHeadType(Path checkpoint) {
        try (PointerScope scope = new PointerScope()) {
            return Tensors.dtype(Checkpoint.open(checkpoint).headShard(ClassShard.of(TinyRun.CLASSES, 1, 0)).weight());
        }
    }

    private static Path step(Path save, int step) {
        return save.resolve("checkpoints").resolve(String.format("step-%08d", step));
    }

    @Test
    void aBfloat16HeadIsSavedAndReshardedAsBfloat16(@TempDir Path dir) throws Exception {
        train(config(dir.resolve("bf16"), "head_dtype=bfloat16"));
        Path third = step(dir.resolve("bf16"), 3);
        assertEquals(ScalarType.BFloat16, savedHeadType(third));
        Reshard.run(third, dir.resolve("two"), 2);
        assertEquals(ScalarType.BFloat16, savedHeadType(dir.resolve("two")));
        try (PointerScope scope = new PointerScope()) {
            ClassShard all = ClassShard.of(TinyRun.CLASSES, 1, 0);
            Checkpoint.HeadState before = Checkpoint.open(third).headShard(all);
            Checkpoint.HeadState after = Checkpoint.open(dir.resolve("two")).headShard(all);
            assertEquals(0.0, Tensors.maxAbs(after.weight().sub(before.weight())), "cut into 2 shards and joined, unchanged");
            assertEquals(0.0, Tensors.maxAbs(after.momentum().sub(before.momentum())));
        }
    }

    @Test
    void resumingUnderTheOtherHeadDtypeConvertsWithOneLineEachWay(@TempDir Path dir) throws Exception {
        train(config(dir.resolve("fp32"), "head_dtype=float32"));
        Path fp32 = step(dir.resolve("fp32"), 3);
        assertEquals(ScalarType.Float, savedHeadType(fp32), "a float32 head (as every checkpoint from before head_dtype)");

        String toBf16 = train(config(dir.resolve("to-bf16"), "checkpoint_dir=" + fp32, "head_dtype=bfloat16"));
        assertEquals(1, count(toBf16, "converting it to head_dtype bfloat16"), toBf16);
        assertTrue(toBf16.contains("was saved as float32"), toBf16);
        Path bf16 = step(dir.resolve("to-bf16"), 6);
        assertEquals(ScalarType.BFloat16, savedHeadType(bf16));

        String back = train(config(dir.resolve("back"), "checkpoint_dir=" + bf16, "head_dtype=float32",
                "train_steps=9"));
        assertEquals(1, count(back, "was saved as bfloat16; converting it to head_dtype float32"), back);

        String same = train(config(dir.resolve("same"), "checkpoint_dir=" + fp32, "head_dtype=float32"));
        assertFalse(same.contains("converting it to head_dtype"), "no line when nothing is converted: " + same);
    }

    @Test
    void aHeadDtypeOtherThanFloat32OrBfloat16IsRefusedByName() {
        for (String bad : new String[] {"float16", "bf16", "float64", ""}) {
            ConfigException e = assertThrows(ConfigException.class, () -> TrainConfigLoader.override(TrainConfig.defaults(), List.of("head_dtype=" + bad)));
            assertEquals("head_dtype", e.key());
            assertTrue(e.getMessage().contains("head_dtype must be one of [float32, bfloat16]"), e.getMessage());
        }
        assertEquals(HeadDtype.BFLOAT16, TrainConfigLoader.override(TrainConfig.defaults(), List.of("head_dtype=bfloat16")).head().headDtype());
        assertEquals(HeadDtype.FLOAT32, TrainConfig.defaults().head().headDtype());
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int at = text.indexOf(what); at >= 0; at = text.indexOf(what, at + 1)) {
            n++;
        }
        return n;
    }
}
