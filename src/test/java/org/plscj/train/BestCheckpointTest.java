package org.plscj.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.plscj.checkpoint.Checkpoint;
import org.plscj.eval.RocCurve;
import org.plscj.eval.VerificationReport;
import org.plscj.tensor.Native;
import org.plscj.testing.TinyRun;

/** best_target: the checkpoint with the highest tested accuracy is kept in model_save_dir/best. */
class BestCheckpointTest {
    private static TrainConfig everyStepTested(Path data, Path saved, String... extra) {
        List<String> overrides = new ArrayList<>(List.of("test_period=1", "best_target=" + TinyRun.TARGET, "max_last_checkpoint_num=1"));
        overrides.addAll(List.of(extra));
        return TinyRun.config(data, saved, overrides.toArray(new String[0]));
    }

    @Test
    void bestHoldsTheCheckpointOfTheFirstStepWithTheHighestLoggedAccuracy(@TempDir Path dir) throws Exception {
        Native.load();
        Path data = dir.resolve("data");
        TinyRun.writeData(data);
        Path straight = dir.resolve("straight");
        TinyRun.train(everyStepTested(data, straight), false);
        assertBestIsTheFirstMaximum(straight);

        Path resumed = dir.resolve("resumed");
        TinyRun.train(everyStepTested(data, resumed, "train_steps=3"), false);
        TinyRun.train(everyStepTested(data, resumed), true);
        assertBestIsTheFirstMaximum(resumed);
    }

    private static void assertBestIsTheFirstMaximum(Path saved) throws Exception {
        String key = TinyRun.TARGET + "_acc";
        List<MetricsEntry> tested = MetricsLog.read(saved).stream().filter(e -> e.extra().containsKey(key)).toList();
        assertEquals(6, tested.size(), "a test at every step");
        double max = tested.stream().mapToDouble(e -> e.extra().get(key)).max().orElseThrow();
        long firstAtMax = tested.stream().filter(e -> e.extra().get(key) == max).findFirst().orElseThrow().step();
        Path best = saved.resolve(BestCheckpoint.DIRECTORY);
        JsonNode record = new ObjectMapper().readTree(best.resolve(BestCheckpoint.FILE).toFile());
        assertEquals(TinyRun.TARGET, record.path("target").asText());
        assertEquals(firstAtMax, record.path("step").longValue(), "metrics " + tested);
        assertEquals(max, record.path("accuracy").doubleValue());
        assertEquals(firstAtMax, Checkpoint.open(best).meta().step(), "best/ is a complete, verified checkpoint of that step");
        assertFalse(Files.exists(saved.resolve(".best.partial")) || Files.exists(saved.resolve(".best.old")));
    }

    private static Map<String, VerificationReport> tested(String target, double accuracy) {
        double[] one = {0};
        return Map.of(target, new VerificationReport(target, accuracy, 0, 0, 0, 0, 1, 1, new RocCurve(target, one, one, one)));
    }

    private static Path fakeCheckpoint(Path dir, String content) throws Exception {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("backbone.pt"), content);
        return dir;
    }

    @Test
    void aBetterResultReplacesBestAndOnlyAResumeRemembersIt(@TempDir Path saved) throws Exception {
        BestCheckpoint best = BestCheckpoint.open(saved, "lfw", 0);
        assertFalse(best.improves(tested("cfp_fp", 0.9)), "another target does not count");
        assertTrue(best.improves(tested("lfw", 0.5)));
        best.keep(fakeCheckpoint(saved.resolve("a"), "step 2"), 2);
        assertFalse(best.improves(tested("lfw", 0.5)), "a tie keeps the earlier checkpoint");
        assertTrue(best.improves(tested("lfw", 0.7)));
        best.keep(fakeCheckpoint(saved.resolve("b"), "step 3"), 3);

        Path dir = saved.resolve(BestCheckpoint.DIRECTORY);
        assertEquals("step 3", Files.readString(dir.resolve("backbone.pt")));
        JsonNode record = new ObjectMapper().readTree(dir.resolve(BestCheckpoint.FILE).toFile());
        assertEquals(3, record.path("step").longValue());
        assertEquals(0.7, record.path("accuracy").doubleValue());
        assertFalse(Files.exists(saved.resolve(".best.partial")) || Files.exists(saved.resolve(".best.old")));

        BestCheckpoint resumed = BestCheckpoint.open(saved, "lfw", 5);
        assertFalse(resumed.improves(tested("lfw", 0.6)), "a resumed run must beat the kept best");
        assertTrue(resumed.improves(tested("lfw", 0.8)));
        assertTrue(BestCheckpoint.open(saved, "lfw", 0).improves(tested("lfw", 0.1)), "a fresh run starts over");
        assertTrue(BestCheckpoint.open(saved, "lfw", 2).improves(tested("lfw", 0.1)),
                "a best saved after the resumed step belongs to the interrupted run's future");
    }
}
