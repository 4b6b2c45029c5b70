package org.plscj.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.plscj.checkpoint.TorchFile;
import org.plscj.tensor.Native;
import org.plscj.tensor.Tensors;
import org.plscj.testing.TinyRun;

/**
 * pretrained_model starts a run with another class count from a checkpoint's backbone and a fresh head;
 * freeze_backbone_steps and backbone_lr_scale 0 keep that backbone as loaded; a missing path or another architecture
 * is refused naming the key.
 */
class PretrainedModelTest {
    @TempDir
    static Path shared;
    private static Path pretrained;

    @BeforeAll
    static void trainThePretrainedModel() throws Exception {
        Native.load();
        TinyRun.writeData(shared.resolve("data"));
        TinyRun.train(TinyRun.config(shared.resolve("data"), shared.resolve("base"), "train_steps=2", "save_steps=2", "val_targets=[]"), false);
        pretrained = shared.resolve("base").resolve("checkpoints").resolve("step-00000002");
    }

    private static Path fineTune(Path dir, String... extra) throws Exception {
        // the extra keys last: a later key=value overrides an earlier one
        java.util.List<String> keys = new java.util.ArrayList<>(java.util.List.of("pretrained_model=" + pretrained, "num_classes=20",
                "train_steps=2", "save_steps=2", "val_targets=[]"));
        keys.addAll(java.util.List.of(extra));
        TinyRun.train(TinyRun.config(shared.resolve("data"), dir, keys.toArray(new String[0])), false);
        return dir.resolve("checkpoints").resolve("step-00000002");
    }

    private static double largestDifference(Path a, Path b) throws Exception {
        Map<String, Object> x = TorchFile.read(a.resolve("backbone.pt"));
        Map<String, Object> y = TorchFile.read(b.resolve("backbone.pt"));
        assertEquals(x.keySet(), y.keySet());
        double max = 0;
        for (String k : x.keySet()) {
            max = Math.max(max, Tensors.maxAbs(((Tensor) x.get(k)).sub((Tensor) y.get(k))));
        }
        return max;
    }

    @Test
    void aFrozenBackboneStaysThePretrainedOneWhileTheFreshHeadOfAnotherClassCountTrains(@TempDir Path dir) throws Exception {
        try (PointerScope scope = new PointerScope()) {
            Path frozen = fineTune(dir.resolve("frozen"), "freeze_backbone_steps=2");
            assertEquals(0.0, largestDifference(pretrained, frozen), "the backbone after 2 frozen steps");
            Path scaledToZero = fineTune(dir.resolve("lr0"), "backbone_lr_scale=0");
            assertEquals(0.0, largestDifference(pretrained, scaledToZero), "the backbone at backbone_lr_scale 0");
            Path trained = fineTune(dir.resolve("trained"));
            assertNotEquals(0.0, largestDifference(pretrained, trained), "without freezing the backbone trains on");
            Tensor head = (Tensor) TorchFile.read(frozen.resolve("head-rank-0-of-1.pt")).get("weight");
            assertEquals(20, head.size(0), "a fresh head of num_classes rows");
        }
    }

    @Test
    void aMissingPathOrAnotherArchitectureIsRefusedNamingTheKey(@TempDir Path dir) {
        ConfigException missing = assertThrows(ConfigException.class,
                () -> fineTune(dir.resolve("a"), "pretrained_model=" + dir.resolve("nothing-here")));
        assertEquals("pretrained_model", missing.key());
        assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());
        ConfigException other = assertThrows(ConfigException.class,
                () -> fineTune(dir.resolve("b"), "pretrained_model=" + pretrained.resolve("backbone.pt"), "model_name=MobileFaceNet"));
        assertEquals("pretrained_model", other.key());
        assertTrue(other.getMessage().contains("is not a MobileFaceNet backbone"), other.getMessage());
    }
}
