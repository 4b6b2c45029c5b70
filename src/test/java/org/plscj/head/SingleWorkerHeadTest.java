package org.plscj.head;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.bytedeco.pytorch.Tensor;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.plscj.comm.Communicator;
import org.plscj.tensor.Native;
import org.plscj.tensor.Placement;
import org.plscj.tensor.Scoped;
import org.plscj.tensor.Tensors;

class SingleWorkerHeadTest {
    @BeforeAll
    static void load() {
        Native.load();
    }

    @ParameterizedTest(name = "{0} ratio {1} block {2} {3} recompute {4}")
    @CsvSource({
        "softmax, 1.0, 64, float32, false",
        "arcface, 1.0, 64, float32, false",
        "cosface, 1.0, 100, float32, false",
        "sphereface, 1.0, 0, float32, false",
        "combined, 1.0, 37, float32, false",
        "arcface, 0.3, 64, float32, false",
        "softmax, 0.5, 64, float32, false",
        "arcface, 1.0, 64, float64, false",
        "arcface, 0.4, 50, float64, false",
        "arcface, 1.0, 64, float64, true",
        "softmax, 0.6, 64, float64, true",
        "cosface, 1.0, 5000, float32, true",
        // ⌊0.01·1001⌋ = 10 < the batch's distinct positives: the sample's size moves from step to step and its held
        // buffers grow when a later sample is larger
        "arcface, 0.01, 4, float64, false",
    })
    void distributedStepEqualsSingleDeviceAutogradAtWorldSize1(String loss, double ratio, int block, String dtype, boolean recompute) {
        HeadConfig config = HeadConfig.of(1001, 32, LossType.parse(loss)).withSampleRatio(ratio).withBlockRows(block)
                .withRecomputedLogits(recompute).withPlacement(Placement.of("cpu", dtype));
        // why: relative errors (HeadCheck divides by each quantity's scale); float64's u = 1.1e-16 and float32's
        // 6e-8 times the few dozen roundings of a step over D = 32, B = 16 stay 10× below these bounds
        double tolerance = dtype.equals("float64") ? 1e-12 : 1e-5;
        HeadCheck.Report report = HeadCheck.run(config, Communicator.single(), 16, 3, 0.1, tolerance);
        assertTrue(report.pass(), () -> "errors above " + tolerance + ": " + report.errors());
    }

    @Test
    void aStepBetweenAccumulateAndItsUpdateIsRefusedUnderPartialFc() {
        HeadConfig config = HeadConfig.of(101, 8, LossType.ARCFACE).withSampleRatio(0.2);
        Scoped.run(() -> {
            try (PartialFC head = new PartialFC(config, Communicator.single())) {
                Tensor labels = Tensors.longs(Placement.CPU_FLOAT, new long[] {1, 2, 3, 4});
                GradientAccumulation update = head.accumulate(List.of(labels));
                // the step gathers its own sample into the buffers that held the accumulation's rows
                head.step(Tensors.randn(Placement.CPU_FLOAT, 4, 8), labels, 0.1);
                IllegalStateException refused = assertThrows(IllegalStateException.class,
                        () -> update.micro(Tensors.randn(Placement.CPU_FLOAT, 4, 8), labels));
                assertTrue(refused.getMessage().contains("between this accumulate and its update"), refused.getMessage());
            }
        });
    }
}
