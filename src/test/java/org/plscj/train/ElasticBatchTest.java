package org.plscj.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.plscj.checkpoint.CheckpointMeta;
import org.plscj.tensor.Native;

/** elastic_batch decides the per-worker batch of a run resumed on another worker count than its checkpoint's. */
class ElasticBatchTest {
    private static TrainConfig config(int batch, String choice) {
        return TrainConfigLoader.load(null, List.of("train_batch_size=" + batch, "elastic_batch=" + choice));
    }

    /** A checkpoint saved by {@code world} workers running {@code savedConfig}. */
    private static CheckpointMeta saved(int world, TrainConfig savedConfig) {
        return new CheckpointMeta(CheckpointMeta.FORMAT, "ResNet50", "arcface", world, 512, 85742, 40, 0, 0.1,
                TrainConfigLoader.toYaml(savedConfig), "run", Map.of());
    }

    @Test
    void keepGlobalDividesTheCheckpointsGlobalBatchAmongTheWorkersLeftAndSaysSo() {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        ElasticBatch.Choice c = ElasticBatch.resolve(config(4, "keep_global"), saved(4, config(4, "keep_global")), 2,
                new PrintStream(log, true));
        assertEquals(8, c.config().trainBatchSize());
        assertTrue(c.applied());
        assertTrue(log.toString().contains("keep_global") && log.toString().contains("per-worker batch 8"), log.toString());
    }

    @Test
    void keepGlobalCountsTheBatchACheckpointRanWithNotTheOneConfigured() {
        // saved by 1 worker after a shrink from 2 × 4: it ran with 8 per worker; back on 2 workers that is 4 each again
        ElasticBatch.Choice c = ElasticBatch.resolve(config(4, "keep_global"), saved(1, config(8, "keep_global")), 2, null);
        assertEquals(4, c.config().trainBatchSize());
    }

    @Test
    void keepGlobalRefusesAGlobalBatchThatDoesNotDivideNamingTheKey() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ElasticBatch.resolve(config(4, "keep_global"), saved(2, config(4, "keep_global")), 3, null));
        assertEquals("elastic_batch", e.key());
        assertTrue(e.getMessage().contains("global batch 8") && e.getMessage().contains("3 workers"), e.getMessage());
    }

    @Test
    void keepPerWorkerKeepsTrainBatchSizeAndSaysHowTheLrScales() {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        TrainConfig mine = config(4, "keep_per_worker");
        ElasticBatch.Choice c = ElasticBatch.resolve(mine, saved(2, mine), 1, new PrintStream(log, true));
        assertSame(mine, c.config());
        assertTrue(c.applied());
        assertTrue(log.toString().contains("global batch 8 → 4, lr ×0.5"), log.toString());
    }

    @Test
    void theSameWorldAndBatchChangeNothing() {
        TrainConfig mine = config(4, "keep_global");
        ElasticBatch.Choice c = ElasticBatch.resolve(mine, saved(2, mine), 2, null);
        assertSame(mine, c.config());
        assertFalse(c.applied());
    }

    @Test
    void onTheSameWorldKeepGlobalKeepsATrainBatchSizeChangedOnPurpose() {
        ElasticBatch.Choice c = ElasticBatch.resolve(config(6, "keep_global"), saved(2, config(4, "keep_global")), 2, null);
        assertEquals(6, c.config().trainBatchSize());
        assertFalse(c.applied());
    }

    @Test
    void anUnknownChoiceIsRefusedNamingTheChoices() {
        ConfigException e = assertThrows(ConfigException.class, () -> config(4, "keep_both"));
        assertTrue(e.getMessage().contains("[keep_global, keep_per_worker]"), e.getMessage());
    }

    /** A TinyFaceNet run of {@code batch} images per worker, one worker on this machine. */
    private static TrainingPlan tinyPlan(int batch) {
        Native.load();
        TrainConfig c = TrainConfigLoader.load(null, List.of("model_name=TinyFaceNet", "num_classes=100", "emb_dim=64",
                "train_batch_size=" + batch));
        return TrainingPlan.of(c, 1, 1);
    }

    @Test
    void keepGlobalRefusesAPerWorkerBatchThePlanSaysWillNotFitNamingTheMemory() {
        // why 10⁶ images: TinyFaceNet's activations are ≈ 4.5 MiB per image, so ≈ 4.3 TiB, beyond any machine running this
        TrainingPlan plan = tinyPlan(1_000_000);
        assertFalse(plan.fits());
        String refusal = ElasticBatch.unfitting(plan, 1_000_000);
        assertTrue(refusal.contains("per-worker batch 1000000") && refusal.contains("GiB available")
                && refusal.contains("keep_per_worker"), refusal);
    }

    @Test
    void keepGlobalAcceptsAPerWorkerBatchThatFits() {
        assertNull(ElasticBatch.unfitting(tinyPlan(8), 8));
    }
}
