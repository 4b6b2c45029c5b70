package org.plscj.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.plscj.head.LossType;
import org.plscj.head.Margin;
import org.plscj.head.MarginGradient;

class TrainConfigTest {
    private static TrainConfig with(String... overrides) {
        return TrainConfigLoader.override(TrainConfig.defaults(), List.of(overrides));
    }

    @Test
    void defaultsArePlscV1s() {
        TrainConfig c = TrainConfig.defaults();
        assertEquals("ResNet50", c.modelName());
        assertEquals(LossType.ARCFACE, c.lossType());
        assertEquals(new Margin(1, 0.5, 0, 64), c.margin());
        assertEquals(512, c.embDim());
        assertEquals(85742, c.numClasses());
        assertEquals(128, c.trainBatchSize());
        assertEquals(120, c.testBatchSize());
        assertEquals(0.1, c.lr());
        assertEquals("piecewise", c.lrScheduler());
        assertEquals(List.of(100_000L, 160_000L, 220_000L), c.lrSteps());
        assertEquals(0.1, c.lrDecayFactor());
        assertEquals(0.0, c.warmupEpochs());
        assertEquals(120, c.trainEpochs());
        assertEquals(0, c.trainSteps());
        assertEquals(1.0, c.sampleRatio());
        assertEquals(0.9, c.momentum());
        assertEquals(5e-4, c.weightDecay());
        assertEquals("./train_data", c.datasetDir());
        assertEquals("./saved_model", c.modelSaveDir());
        assertNull(c.checkpointDir());
        assertEquals(List.of("lfw"), c.valTargets());
        assertEquals("./train_data", c.validationDir());
        assertNull(c.bestTarget());
        assertEquals(200, c.logPeriod());
        assertEquals(0, c.testPeriod());
        assertEquals(0, c.saveSteps());
        assertEquals(5, c.maxLastCheckpointNum());
        assertTrue(!c.calcAcc() && !c.recomputeLogits());
        assertEquals("auto", c.mixedPrecision(), "bf16 only where the CPU has it (issue 12)");
        assertEquals(0, c.numThreads());
    }

    @Test
    void marginGradientIsPlscsExactOneUnlessStraightThroughIsAsked() {
        assertEquals(MarginGradient.EXACT, TrainConfig.defaults().head().marginGradient());
        assertEquals(MarginGradient.STRAIGHT_THROUGH, with("margin_gradient=straight_through").head().marginGradient());
        ConfigException e = assertThrows(ConfigException.class, () -> with("margin_gradient=straight"));
        assertEquals("margin_gradient", e.key());
        assertTrue(e.getMessage().contains("[exact, straight_through]"), e.getMessage());
    }

    @Test
    void interclassFilteringIsOffByDefaultAndACosineInMinusOneToOneForMarginLossesOnly() {
        assertEquals(0.0, TrainConfig.defaults().head().interclassFilteringThreshold());
        assertEquals(0.4, with("interclass_filtering_threshold=0.4").head().interclassFilteringThreshold());
        assertEquals(-0.5, with("interclass_filtering_threshold=-0.5").head().interclassFilteringThreshold());
        for (String bad : new String[] {"1", "-1", "1.5", "NaN"}) {
            ConfigException e = assertThrows(ConfigException.class, () -> with("interclass_filtering_threshold=" + bad));
            assertEquals("interclass_filtering_threshold", e.key());
            assertTrue(e.getMessage().contains("interclass_filtering_threshold must be a cosine in (-1, 1)"), e.getMessage());
        }
        ConfigException e = assertThrows(ConfigException.class,
                () -> with("loss_type=dist_softmax", "interclass_filtering_threshold=0.3"));
        assertEquals("interclass_filtering_threshold", e.key());
        assertTrue(e.getMessage().contains("needs a margin loss"), e.getMessage());
    }

    @Test
    void maskRatioIsZeroByDefaultAndAFractionBelowOne() {
        assertEquals(0.0, TrainConfig.defaults().maskRatio());
        assertEquals(0.1, with("mask_ratio=0.1").maskRatio());
        for (String bad : new String[] {"1", "-0.1", "NaN"}) {
            ConfigException e = assertThrows(ConfigException.class, () -> with("mask_ratio=" + bad));
            assertEquals("mask_ratio", e.key());
            assertTrue(e.getMessage().contains("mask_ratio must be a fraction in [0, 1)"), e.getMessage());
        }
    }

    @Test
    void marginMeansTheLossTypesOwnMargin() {
        assertEquals(new Margin(1, 0.4, 0, 64), with("margin=0.4").margin());
        assertEquals(new Margin(1, 0, 0.4, 64), with("loss_type=dist_cosface", "margin=0.4").margin());
        assertEquals(new Margin(1, 0, 0.35, 64), with("loss_type=cosface").margin());
        assertEquals(new Margin(1.5, 0, 0, 64), with("loss_type=dist_sphereface", "margin=1.5").margin());
        assertEquals(new Margin(1, 0, 0, 1), with("loss_type=dist_softmax", "margin=0.4").margin());
        assertEquals(new Margin(1, 0.3, 0.2, 64), with("loss_type=combined", "margin=0.9").margin());
    }

    @Test
    void explicitMarginsAndScaleOverride() {
        assertEquals(new Margin(0.9, 0.4, 0.15, 32),
                with("loss_type=combined", "margin1=0.9", "margin2=0.4", "margin3=0.15", "scale=32").margin());
        assertEquals(new Margin(1, 0.45, 0, 64), with("margin=0.4", "margin2=0.45").margin());
    }

    @Test
    void totalStepsFromEpochsOrSteps() {
        assertEquals(120 * 50, TrainConfig.defaults().totalSteps(50));
        assertEquals(777, with("train_steps=777").totalSteps(50));
    }

    private static void assertRejected(String expected, String... overrides) {
        ConfigException e = assertThrows(ConfigException.class, () -> with(overrides));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void validationNamesTheKey() {
        assertRejected("train_batch_size must be positive, got 0", "train_batch_size=0");
        assertRejected("lr_scheduler must be one of [piecewise, cosine, poly], got 'step'", "lr_scheduler=step");
        assertRejected("optimizer must be one of [sgd, adamw], got adam", "optimizer=adam");
        assertRejected("lr_power must be a finite number > 0, got -1.0", "lr_power=-1");
        assertRejected("lr_steps must be non-negative and increasing, got [2000, 1000]", "lr_steps=[2000,1000]");
        assertRejected("sample_ratio must be in (0, 1], got 1.5", "sample_ratio=1.5");
        assertRejected("sample_ratio must be in (0, 1], got 0.0", "sample_ratio=0");
        assertRejected("unknown loss_type 'arcfaec'", "loss_type=arcfaec");
        assertRejected("momentum must be in [0, 1), got 1.0", "momentum=1");
        assertRejected("emb_dim must be positive, got -3", "emb_dim=-3");
        assertRejected("scale", "scale=0");
    }

    @Test
    void bestTargetMustBeATestedTarget() {
        assertEquals("cfp_fp", with("val_targets=lfw,cfp_fp", "best_target=cfp_fp").bestTarget());
        assertNull(with("best_target=").bestTarget());
        ConfigException e = assertThrows(ConfigException.class, () -> with("val_targets=lfw", "best_target=agedb_30"));
        assertEquals("best_target", e.key());
        assertTrue(e.getMessage().contains("best_target 'agedb_30' must be one of val_targets [lfw]"), e.getMessage());
        assertRejected("best_target 'lfw' must be one of val_targets []", "val_targets=[]", "best_target=lfw");
    }

    @Test
    void validationErrorSaysWhereTheValueWasSet() {
        ConfigException e = assertThrows(ConfigException.class, () -> with("log_period=0"));
        assertEquals("log_period", e.key());
        assertTrue(e.getMessage().contains("override 'log_period=0'"), e.getMessage());
    }

    @Test
    void trainEpochsMayBeZeroWhenStepsAreGiven() {
        assertEquals(10, with("train_epochs=0", "train_steps=10").totalSteps(99));
        assertRejected("train_epochs must be positive, got 0", "train_epochs=0");
    }

    @Test
    void listsAreImmutableCopies() {
        TrainConfig c = with("val_targets=lfw,cfp_fp");
        assertEquals(List.of("lfw", "cfp_fp"), c.valTargets());
        assertThrows(UnsupportedOperationException.class, () -> c.valTargets().add("x"));
        assertEquals(List.of(), with("val_targets=").valTargets());
        assertEquals(List.of(), with("val_targets=[]").valTargets());
    }

    @Test
    void gradientBucketsAreDdpsTwentyFiveMibByDefaultAndNeverNegative() {
        assertEquals(25.0, TrainConfig.defaults().bucketCapMb(), "PyTorch DDP's bucket_cap_mb");
        assertEquals(0.0, with("bucket_cap_mb=0").bucketCapMb(), "0 = one all-reduce after backward");
        ConfigException e = assertThrows(ConfigException.class, () -> with("bucket_cap_mb=-1"));
        assertTrue(e.getMessage().contains("bucket_cap_mb"), e.getMessage());
    }
}
