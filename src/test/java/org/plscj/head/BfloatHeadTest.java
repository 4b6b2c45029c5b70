package org.plscj.head;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.plscj.comm.Communicator;
import org.plscj.tensor.Native;
import org.plscj.tensor.Placement;
import org.plscj.tensor.Tensors;

/**
 * head_dtype bfloat16: W, its momentum and AdamW's second moment are stored at 2 bytes an element, every block computes
 * in the placement's dtype, and the write-back rounds to nearest-even. So a bfloat16 step is, bit for bit, the float32
 * step from the same (stored) weights followed by a rounding; and against the float64 single-device autograd reference
 * run on the stored weights, only the rounding of the written-back momentum shows.
 */
class BfloatHeadTest {
    /** bfloat16's unit roundoff: 8 significant bits, so rounding to nearest moves a value by at most 2⁻⁸·|value|/2. */
    private static final double BF16_UNIT_ROUNDOFF = Math.scalb(1.0, -9);

    @BeforeAll
    static void load() {
        Native.load();
    }

    @ParameterizedTest(name = "{0} sample_ratio {1} adamw {2}")
    @CsvSource({
        "arcface, 1.0, false",
        "softmax, 1.0, false",
        "cosface, 0.5, false",
        "arcface, 1.0, true",
        "softmax, 0.5, true",
    })
    void aBfloat16StepIsTheFloat32StepOnTheStoredWeightsThenRoundedToNearestEven(String loss, double ratio, boolean adamW) {
        HeadConfig fp32 = HeadConfig.of(301, 16, LossType.parse(loss)).withSampleRatio(ratio).withBlockRows(64).withAdamW(adamW);
        HeadConfig bf16 = fp32.withHeadDtype(HeadDtype.BFLOAT16);
        try (PointerScope scope = new PointerScope();
                PartialFC narrow = new PartialFC(bf16, Communicator.single())) {
            ShardWeights nw = narrow.weights();
            try (PartialFC wide = new PartialFC(fp32, Communicator.single(), widened(nw.weight()), null, null, null, null, null)) {
                ShardWeights ww = wide.weights();
                for (int step = 0; step < 2; step++) {
                    // the float32 head restarts each step from the stored (rounded) state, which the bfloat16 head keeps
                    ww.weight().copy_(nw.weight());
                    ww.momentum().copy_(nw.momentum());
                    if (adamW) {
                        ww.secondMoment().copy_(nw.secondMoment());
                    }
                    if (nw.inverseNorms != null) {
                        ww.inverseNorms.copy_(nw.inverseNorms);
                    }
                    Tensor x = normal(step, 24, 16);
                    Tensor labels = labels(step, 24, 301);
                    HeadResult a = narrow.step(x, labels, 0.1);
                    HeadResult b = wide.step(x, labels, 0.1);
                    assertEquals(b.loss(), a.loss(), 0.0, "the same float32 arithmetic on the same values");
                    assertEquals(0.0, Tensors.maxAbs(a.embeddingGrad().sub(b.embeddingGrad())), "∂loss/∂x of step " + step);
                    assertEquals(0.0, Tensors.maxAbs(widened(nw.weight()).sub(widened(rounded(ww.weight())))), "W of step " + step);
                    assertEquals(0.0, Tensors.maxAbs(widened(nw.momentum()).sub(widened(rounded(ww.momentum())))), "momentum");
                    if (adamW) {
                        assertEquals(0.0, Tensors.maxAbs(widened(nw.secondMoment()).sub(widened(rounded(ww.secondMoment())))),
                                "second moment");
                    }
                    if (nw.bias() != null) {
                        assertEquals(0.0, Tensors.maxAbs(nw.bias().sub(ww.bias())), "the bias stays float32 and equal");
                    }
                }
            }
        }
    }

    @Test
    void theStoredWeightsAndOptimizerStateTakeTwoBytesAnElementAndTheCachedNormsMatchThem() {
        HeadConfig config = HeadConfig.of(500, 32, LossType.ARCFACE).withBlockRows(128).withAdamW(true)
                .withHeadDtype(HeadDtype.BFLOAT16);
        try (PointerScope scope = new PointerScope();
                PartialFC head = new PartialFC(config, Communicator.single())) {
            head.step(normal(0, 16, 32), labels(0, 16, 500), 0.1);
            ShardWeights w = head.weights();
            for (Tensor t : new Tensor[] {w.weight(), w.momentum(), w.secondMoment()}) {
                assertEquals(ScalarType.BFloat16, Tensors.dtype(t));
                assertEquals(2, t.element_size());
            }
            assertTrue(Tensors.maxAbs(w.momentum()) > 0, "the step wrote the momentum back");
            assertEquals(ScalarType.Float, Tensors.dtype(w.inverseNorms));
            Tensor expected = Tensors.rowNorms(widened(w.weight())).reciprocal();
            // why relative 1e-6: both are float32 norms of the same 32 float32 values (a few roundings of 6e-8 each)
            assertTrue(HeadCheck.relative(w.inverseNorms, expected) < 1e-6, "1/‖w‖ is that of the stored rows");
        }
    }

    @Test
    void aBfloat16HeadStartsFromTheFloat32InitialisationRounded() {
        HeadConfig fp32 = HeadConfig.of(5000, 8, LossType.ARCFACE);
        try (PointerScope scope = new PointerScope();
                PartialFC wide = new PartialFC(fp32, Communicator.single());
                PartialFC narrow = new PartialFC(fp32.withHeadDtype(HeadDtype.BFLOAT16), Communicator.single())) {
            assertEquals(0.0, Tensors.maxAbs(widened(narrow.weights().weight()).sub(widened(rounded(wide.weights().weight())))));
        }
    }

    @ParameterizedTest(name = "{0} sample_ratio {1}")
    @CsvSource({"arcface, 1.0", "softmax, 1.0", "combined, 0.4"})
    void theBfloat16HeadMatchesTheSingleDeviceReferenceOnItsStoredWeights(String loss, double ratio) {
        HeadConfig config = HeadConfig.of(1001, 32, LossType.parse(loss)).withSampleRatio(ratio).withBlockRows(64)
                .withPlacement(Placement.of("cpu", "float64")).withHeadDtype(HeadDtype.BFLOAT16);
        HeadCheck.Report report = HeadCheck.run(config, Communicator.single(), 16, 1, 0.1, 1);
        // why 1e-12 for loss, accuracy and ∂loss/∂x: they are computed in float64 from the stored weights, widened exactly,
        // as the reference computes them (the float64 head's own bound, SingleWorkerHeadTest)
        for (String exact : new String[] {"loss", "accuracy", "dx"}) {
            assertTrue(report.errors().get(exact) <= 1e-12, exact + ": " + report.errors());
        }
        // why 2u: the check recovers dW from the momentum written back, v' = dW + λw (one step, v = 0), rounded to
        // bfloat16: |error| ≤ u·max|v'| ≤ u·(max|dW| + λ·max|w|), and λ·max|w| (5e-4 × ~0.04) is far below max|dW|
        // (s/N-scaled cosines over ‖w‖ ≈ 0.06), so the error relative to max|dW| stays below 2u
        assertTrue(report.errors().get("dw") <= 2 * BF16_UNIT_ROUNDOFF, "dw: " + report.errors());
        assertTrue(report.errors().get("dw") > 0, "the momentum really is rounded: " + report.errors());
        if (!config.lossType().normalised()) {
            assertTrue(report.errors().get("bias") <= 1e-12, "the bias stays in float64: " + report.errors());
        }
        assertEquals(0.0, report.errors().get("untouched"), "Partial FC's unsampled rows are not rewritten");
    }

    @Test
    void headDtypeNamesOnlyFloat32AndBfloat16() {
        assertEquals(HeadDtype.BFLOAT16, HeadDtype.of("bfloat16"));
        HeadConfigException e = org.junit.jupiter.api.Assertions.assertThrows(HeadConfigException.class, () -> HeadDtype.of("float16"));
        assertEquals("head_dtype", e.key());
        assertTrue(e.getMessage().contains("[float32, bfloat16]") && e.getMessage().contains("float16"), e.getMessage());
    }

    private static Tensor widened(Tensor t) {
        return Tensors.as(t, ScalarType.Float);
    }

    private static Tensor rounded(Tensor t) {
        return Tensors.as(t, ScalarType.BFloat16);
    }

    private static Tensor normal(int step, long rows, long cols) {
        return torch.empty(new long[] {rows, cols}, Placement.CPU_FLOAT.floats(), null)
                .normal_(0, 1, new GeneratorOptional(torch.createCPUGenerator(1000 + step)));
    }

    private static Tensor labels(int step, long rows, long classes) {
        return torch.empty(new long[] {rows}, Placement.CPU_FLOAT.longs(), null)
                .random_(0, new LongOptional(classes), new GeneratorOptional(torch.createCPUGenerator(2000 + step)));
    }
}
