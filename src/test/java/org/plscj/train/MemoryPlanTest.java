package org.plscj.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.plscj.head.HeadConfig;
import org.plscj.head.HeadDtype;
import org.plscj.head.LossType;

/** What one class costs the head: W and its optimizer state at head_dtype's element size, the rest in float32. */
class MemoryPlanTest {
    private static final long GIB = 1L << 30;
    private static final HeadConfig ARCFACE = HeadConfig.of(10_000_000, 512, LossType.ARCFACE);

    @Test
    void aBfloat16HeadCountsTwoBytesPerElementOfWAndMomentum() {
        // W and momentum 2·512·4 + 1/‖w‖ 4; in bfloat16 2·512·2 + 4 (the cached norm stays float32)
        assertEquals(4100, MemoryPlan.of(ARCFACE.withRecomputedLogits(true), 128, 1, 1, 24 * GIB).bytesPerClass());
        assertEquals(2052, MemoryPlan.of(ARCFACE.withRecomputedLogits(true).withHeadDtype(HeadDtype.BFLOAT16), 128, 1, 1, 24 * GIB)
                .bytesPerClass());
        // the [N, n] logits buffer is float32 whatever head_dtype: + 128·4
        assertEquals(2564, MemoryPlan.of(ARCFACE.withHeadDtype(HeadDtype.BFLOAT16), 128, 1, 1, 24 * GIB).bytesPerClass());
        // AdamW's second moment is stored like the momentum: 3·512·2 + 4
        assertEquals(3076, MemoryPlan.of(ARCFACE.withRecomputedLogits(true).withHeadDtype(HeadDtype.BFLOAT16).withAdamW(true), 128, 1, 1,
                24 * GIB).bytesPerClass());
    }

    @Test
    void tenMillionClassesAtD512FitA24GibNodeOnlyInBfloat16() {
        HeadConfig recomputed = ARCFACE.withRecomputedLogits(true);
        long available = 23 * GIB;
        assertTrue(MemoryPlan.of(recomputed, 128, 1, 1, available).maxClassesTotal() < 10_000_000);
        assertTrue(MemoryPlan.of(recomputed.withHeadDtype(HeadDtype.BFLOAT16), 128, 1, 1, available).maxClassesTotal() >= 10_000_000);
    }
}
