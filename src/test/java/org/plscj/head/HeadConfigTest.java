package org.plscj.head;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The head's settings: a wither changes only what it names, and a setting out of range is refused under its config key. */
class HeadConfigTest {
    private static final HeadConfig BASE = HeadConfig.of(1000, 64, LossType.COSFACE).withSampleRatio(0.5).withSeed(7);

    @Test
    void aWitherChangesOnlyWhatItNames() {
        HeadConfig changed = BASE.withOptimizer(0.5, 0.01);
        assertEquals(new HeadConfig(1000, 64, LossType.COSFACE, BASE.margin(), 0.5, 0.5, 0.01, 7, 0, false, BASE.placement(), false,
                MarginGradient.EXACT, 0, HeadDtype.FLOAT32, 0), changed);
    }

    @Test
    void aSettingOutOfRangeIsRefusedUnderItsConfigKey() {
        assertEquals("momentum", assertThrows(HeadConfigException.class, () -> BASE.withOptimizer(1.0, 0)).key());
        assertEquals("weight_decay", assertThrows(HeadConfigException.class, () -> BASE.withOptimizer(0.9, -1)).key());
        assertEquals("sample_ratio", assertThrows(HeadConfigException.class, () -> BASE.withSampleRatio(0)).key());
        assertEquals("num_classes", assertThrows(HeadConfigException.class, () -> HeadConfig.of(0, 64, LossType.ARCFACE)).key());
        assertEquals("emb_dim", assertThrows(HeadConfigException.class, () -> HeadConfig.of(10, 0, LossType.ARCFACE)).key());
        assertEquals("block_threads", assertThrows(HeadConfigException.class, () -> BASE.withBlockThreads(-1)).key());
    }
}
