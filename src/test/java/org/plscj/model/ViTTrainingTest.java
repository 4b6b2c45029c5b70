package org.plscj.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.plscj.tensor.Native;
import org.plscj.testing.TinyRun;
import org.plscj.train.MetricsEntry;
import org.plscj.train.MetricsLog;

/** The ViT trains with the margin softmax head: its loss falls over a short run on generated identities. */
class ViTTrainingTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void load() {
        Native.load();
    }

    @Test
    void theLossFallsWhenASmallViTTrainsWithTheHead() throws Exception {
        Path data = dir.resolve("data");
        TinyRun.writeData(data);
        Path save = dir.resolve("save");
        TinyRun.train(TinyRun.config(data, save, "model_name=" + SmallVisionTransformer.class.getName(), "lr=0.1",
                "lr_steps=[]", "train_steps=10", "val_targets=[]"), false);
        List<Double> losses = MetricsLog.read(save).stream().map(MetricsEntry::loss).toList();
        System.out.println("small ViT losses: " + losses);
        assertTrue(losses.size() == 10 && losses.stream().allMatch(Double::isFinite), "ten finite losses: " + losses);
        // why halves: single steps are noisy (batches of 8, drop path), the trend is not
        double firstHalf = losses.subList(0, 5).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        double secondHalf = losses.subList(5, 10).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        assertTrue(secondHalf < 0.8 * firstHalf, "the mean loss must fall by a fifth from the first five steps to the last five: "
                + losses);
    }
}
