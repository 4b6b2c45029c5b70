package org.plscj.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;
import org.plscj.tensor.Native;
import org.plscj.testing.TinyRun;
import org.plscj.train.ConfigException;
import org.plscj.train.MetricsEntry;
import org.plscj.train.MetricsLog;

/** The ViT trains with the margin softmax head: its loss falls over a short run on generated identities. */
class ViTTrainingTest {
    private static final int STEPS = 16;

    @TempDir
    Path dir;

    @BeforeAll
    static void load() {
        Native.load();
    }

    /**
     * mixed_precision=true: the backbone's forward under bf16 autocast, with the attention kept in float32; mask_ratio:
     * a quarter of each sample's tokens dropped in training, mask_token standing in for them.
     */
    @ParameterizedTest(name = "mixed_precision={0}, mask_ratio={1}")
    @CsvSource({"false, 0", "true, 0", "false, 0.25"})
    void theLossFallsWhenASmallViTTrainsWithTheHead(boolean bf16, double maskRatio) throws Exception {
        Path data = dir.resolve("data");
        TinyRun.writeData(data);
        Path save = dir.resolve("save");
        TinyRun.train(TinyRun.config(data, save, "model_name=" + SmallVisionTransformer.class.getName(), "lr=0.05",
                "lr_steps=[]", "train_steps=" + STEPS, "val_targets=[]", "mixed_precision=" + bf16, "mask_ratio=" + maskRatio), false);
        List<Double> losses = MetricsLog.read(save).stream().map(MetricsEntry::loss).toList();
        System.out.println("small ViT losses (mixed_precision=" + bf16 + ", mask_ratio=" + maskRatio + "): " + losses);
        assertTrue(losses.size() == STEPS && losses.stream().allMatch(Double::isFinite), STEPS + " finite losses: " + losses);
        // why means of five: single steps are noisy (batches of 8 from 12 identities, drop path), the trend is not
        double first = losses.subList(0, 5).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        double last = losses.subList(STEPS - 5, STEPS).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        assertTrue(last < 0.8 * first, "the mean loss must fall by a fifth from the first five steps to the last five: " + losses);
    }

    @Test
    void maskRatioOnABackboneWithoutTokensIsRefusedNamingTheKey() throws Exception {
        Path data = dir.resolve("data");
        TinyRun.writeData(data);
        ConfigException e = assertThrows(ConfigException.class, () -> TinyRun.train(TinyRun.config(data, dir.resolve("save"),
                "model_name=TinyFaceNet", "train_steps=1", "val_targets=[]", "mask_ratio=0.1"), false));
        assertEquals("mask_ratio", e.key());
        assertTrue(e.getMessage().contains("TinyFaceNet has none"), e.getMessage());
    }
}
