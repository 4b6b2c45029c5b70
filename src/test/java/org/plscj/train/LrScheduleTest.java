package org.plscj.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class LrScheduleTest {
    private static final double EPS = 1e-12;

    private static LrSchedule piecewise(long warmup) {
        return new LrSchedule(0.1, 1.0, "piecewise", List.of(100L, 200L), 0.1, warmup, 300, 1.0);
    }

    @Test
    void baseLrScalesWithTheGlobalBatch() {
        assertEquals(1.0, LrSchedule.batchFactor(128, 8), EPS);
        assertEquals(0.125, LrSchedule.batchFactor(128, 1), EPS);
        TrainConfig c = TrainConfig.defaults();
        LrSchedule s = LrSchedule.of(c, 4, 1000, 10_000);
        assertEquals(0.5, s.batchFactor(), EPS);
        assertEquals(0.05, s.baseLr(), EPS);
        assertEquals(0.05, s.at(0), EPS);
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.batchFactor(128, 0));
    }

    @Test
    void piecewiseDecaysAtEachBoundaryIncluded() {
        LrSchedule s = piecewise(0);
        assertEquals(0.1, s.at(0), EPS);
        assertEquals(0.1, s.at(99), EPS);
        assertEquals(0.01, s.at(100), EPS);
        assertEquals(0.01, s.at(199), EPS);
        assertEquals(0.001, s.at(200), EPS);
        assertEquals(0.001, s.at(1_000_000), EPS);
    }

    @Test
    void warmupRisesLinearlyToBase() {
        LrSchedule s = piecewise(10);
        assertEquals(0.01, s.at(0), EPS);
        assertEquals(0.05, s.at(4), EPS);
        assertEquals(0.1, s.at(9), EPS);
        assertEquals(0.1, s.at(10), EPS);
        assertEquals(0.01, s.at(100), EPS);
    }

    @Test
    void warmupStepsComeFromEpochs() {
        TrainConfig c = TrainConfigLoader.override(TrainConfig.defaults(), List.of("warmup_epochs=1.5"));
        LrSchedule s = LrSchedule.of(c, 8, 100, 12_000);
        assertEquals(150, s.warmupSteps());
        assertEquals(0.1 / 150, s.at(0), EPS);
    }

    @Test
    void cosineFromBaseAfterWarmupToZeroAtTheEnd() {
        LrSchedule s = new LrSchedule(0.2, 0.5, "cosine", List.of(), 0.1, 100, 1100, 1.0);
        assertEquals(0.1 * 50 / 100, s.at(49), EPS);
        assertEquals(0.1, s.at(100), EPS);
        assertEquals(0.05, s.at(600), EPS);
        assertEquals(0.1 * 0.5 * (1 + Math.cos(Math.PI * 0.25)), s.at(350), EPS);
        assertEquals(0.0, s.at(1100), EPS);
        assertEquals(0.0, s.at(5000), EPS);
    }

    @Test
    void cosineFromConfig() {
        TrainConfig c = TrainConfigLoader.override(TrainConfig.defaults(), List.of("lr_scheduler=cosine"));
        LrSchedule s = LrSchedule.of(c, 8, 10, 1000);
        assertEquals(0.1, s.at(0), EPS);
        assertEquals(0.0, s.at(999), 1e-6);
    }

    @Test
    void polyFallsFromBaseAfterWarmupAsArcfaceTorchsPolynomialLrWarmup() {
        // arcface_torch's closed form: base·(1 − (min(total, step) − w)/(total − w))^power
        LrSchedule linear = new LrSchedule(0.2, 0.5, "poly", List.of(), 0.1, 100, 1100, 1.0);
        assertEquals(0.1 * 50 / 100, linear.at(49), EPS);
        assertEquals(0.1, linear.at(100), EPS);
        assertEquals(0.1 * 0.75, linear.at(350), EPS);
        assertEquals(0.1 * 0.5, linear.at(600), EPS);
        assertEquals(0.0, linear.at(1100), EPS);
        assertEquals(0.0, linear.at(5000), EPS);
        LrSchedule squared = new LrSchedule(0.2, 0.5, "poly", List.of(), 0.1, 100, 1100, 2.0);
        assertEquals(0.1 * 0.75 * 0.75, squared.at(350), EPS);
    }

    @Test
    void polyAndItsPowerFromConfig() {
        TrainConfig c = TrainConfigLoader.override(TrainConfig.defaults(), List.of("lr_scheduler=poly", "lr_power=3"));
        LrSchedule s = LrSchedule.of(c, 8, 10, 1000);
        assertEquals(0.1, s.at(0), EPS);
        assertEquals(0.1 * Math.pow(0.5, 3), s.at(500), EPS);
    }

    @Test
    void anUnknownSchedulerOrABadPowerIsRefusedNamingTheKey() {
        ConfigException name = assertThrows(ConfigException.class,
                () -> TrainConfigLoader.override(TrainConfig.defaults(), List.of("lr_scheduler=polynomial")));
        assertEquals("lr_scheduler", name.key());
        ConfigException power = assertThrows(ConfigException.class,
                () -> TrainConfigLoader.override(TrainConfig.defaults(), List.of("lr_power=0")));
        assertEquals("lr_power", power.key());
    }
}
