package org.plscj.head;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.plscj.comm.Communicator;
import org.plscj.tensor.Native;
import org.plscj.tensor.Placement;
import org.plscj.tensor.Scoped;
import org.plscj.tensor.Tensors;

/** Block threads walk the blocks side by side: the step stays the single-device step, up to the order of its sums. */
class BlockThreadsTest {
    @BeforeAll
    static void load() {
        Native.load();
    }

    @ParameterizedTest(name = "{0} ratio {1} block {2} {3} recompute {4} threads {5}")
    @CsvSource({
        "arcface, 1.0, 64, float64, false, 2, false",
        "arcface, 1.0, 64, float32, false, 2, false",
        "softmax, 1.0, 100, float64, false, 3, false",
        "combined, 0.4, 50, float64, false, 2, false",
        "cosface, 1.0, 64, float64, true, 2, false",
        "softmax, 0.6, 64, float64, true, 2, false",
        "arcface, 1.0, 300, float64, false, 8, false",
    })
    void twoOrMoreBlockThreadsGiveTheSingleDeviceStep(String loss, double ratio, int block, String dtype, boolean recompute, int threads) {
        HeadConfig config = HeadConfig.of(1001, 32, LossType.parse(loss)).withSampleRatio(ratio).withBlockRows(block)
                .withRecomputedLogits(recompute).withPlacement(Placement.of("cpu", dtype)).withBlockThreads(threads);
        // why the same bounds as SingleWorkerHeadTest: the threads only reorder the softmax's and dX's float sums, a few
        // roundings more of the unit roundoff (float64 1.1e-16, float32 6e-8), far below them
        double tolerance = dtype.equals("float64") ? 1e-12 : 1e-5;
        HeadCheck.Report report = HeadCheck.run(config, Communicator.single(), 16, 3, 0.1, tolerance);
        assertTrue(report.pass(), () -> "errors above " + tolerance + ": " + report.errors());
    }

    @Test
    void adamWUnderTwoBlockThreadsMovesWAsUnderOne() {
        Scoped.run(() -> {
            HeadConfig one = HeadConfig.of(300, 16, LossType.ARCFACE).withBlockRows(40).withPlacement(Placement.of("cpu", "float64"))
                    .withAdamW(true);
            try (PartialFC single = new PartialFC(one, Communicator.single());
                    PartialFC threaded = new PartialFC(one.withBlockThreads(2), Communicator.single())) {
                for (int step = 0; step < 4; step++) {
                    torch.manual_seed(step);
                    Tensor x = torch.randn(12, 16).to(one.placement().floats(), false, false, null);
                    Tensor labels = torch.randint(0L, 300L, new long[] {12});
                    single.step(x, labels, 0.05);
                    threaded.step(x, labels, 0.05);
                }
                // why relative 1e-12: four float64 steps whose only difference is the order of the softmax's and dX's sums
                // (u = 1.1e-16), which AdamW's division by √v + ε passes on at O(1)
                Tensor w = single.weights().weight();
                assertEquals(0, Tensors.maxAbs(threaded.weights().weight().sub(w)), 1e-12 * Tensors.maxAbs(w), "W after 4 AdamW steps");
            }
        });
    }
}
