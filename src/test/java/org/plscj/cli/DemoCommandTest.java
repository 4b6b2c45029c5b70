package org.plscj.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.plscj.testing.Jvm;

/**
 * The README's first command end to end at a toy size: data generation, 2-worker training through
 * {@code plsc launch}, the held-out verification test, and the closing lines naming the outputs.
 * (The full-size demo's accuracy is recorded in BENCHMARKS.md, not asserted here: it takes minutes.)
 */
class DemoCommandTest {
    @Test
    void demoTrainsOnTwoWorkersAndReportsHeldOutAccuracy(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("demo");
        Jvm.Running demo = Jvm.plsc(List.of("demo", "--out", out.toString(), "--identities", "40", "--views", "6", "--pairs", "40",
                "--steps", "12"));
        assertEquals(0, demo.waitFor(300), demo.output());
        Matcher m = Pattern.compile("verification accuracy on held-out identities: (\\d\\.\\d{4})").matcher(demo.output());
        assertTrue(m.find(), demo.output());
        double accuracy = Double.parseDouble(m.group(1));
        assertTrue(accuracy >= 0 && accuracy <= 1, demo.output());
        Path model = out.resolve("model");
        for (Path p : List.of(model.resolve("checkpoints").resolve("step-00000012").resolve("meta.json"), model.resolve("loss.png"),
                model.resolve("val").resolve("heldout-roc.png"), model.resolve("train.log"), out.resolve("data").resolve("heldout.bin"))) {
            assertTrue(Files.isRegularFile(p), p + " is missing; output:\n" + demo.output());
        }
        assertTrue(Files.readString(model.resolve("train.log")).contains("[rank 1]"), "both workers' output is logged");
    }
}
