package org.plscj.head;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.plscj.testing.JsonFixtures.assertRelative;
import static org.plscj.testing.JsonFixtures.doubles;
import static org.plscj.testing.JsonFixtures.floats;
import static org.plscj.testing.JsonFixtures.longs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.plscj.comm.Communicator;
import org.plscj.tensor.Native;
import org.plscj.tensor.Placement;
import org.plscj.tensor.Tensors;
import org.plscj.testing.Jvm;

/**
 * interclass_filtering_threshold (arcface_torch's CombinedMarginLoss): a row's non-target cosines above the threshold
 * count as constant 0 logits. The blocked head equals arcface_torch's own loss (PyTorch fixture,
 * fixtures/head/make_interclass_filtering.py) and the single-device autograd reference with the same mask, in full
 * softmax and Partial FC, in any block size, with or without stored logits, on one, two and three workers.
 */
class InterclassFilteringTest {
    @BeforeAll
    static void load() {
        Native.load();
    }

    static Stream<Arguments> arcfaceTorchCases() throws IOException {
        try (InputStream in = InterclassFilteringTest.class.getResourceAsStream("/fixtures/head/interclass_filtering.json")) {
            JsonNode root = new ObjectMapper().readTree(in);
            List<Arguments> out = new ArrayList<>();
            root.get("cases").forEach(c -> out.add(Arguments.of(c.get("name").asText(), c)));
            return out.stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("arcfaceTorchCases")
    void lossAndGradientsEqualArcfaceTorchsCombinedMarginLossWithTheThreshold(String name, JsonNode c) {
        try (PointerScope scope = new PointerScope()) {
            int classes = c.get("num_classes").asInt();
            int dim = c.get("emb_dim").asInt();
            int batch = c.get("batch").asInt();
            double threshold = c.get("threshold").asDouble();
            // arcface_torch runs acos/cos under no_grad: the target's gradient passes the margin as if it were constant
            HeadConfig config = HeadConfig.of(classes, dim, LossType.parse(c.get("loss_type").asText()))
                    .withMargin(new Margin(c.get("m1").asDouble(), c.get("m2").asDouble(), c.get("m3").asDouble(), c.get("scale").asDouble()))
                    .withMarginGradient(MarginGradient.STRAIGHT_THROUGH).withOptimizer(0.9, 0).withBlockRows(16)
                    .withInterclassFilteringThreshold(threshold);
            Tensor x = floats(c.get("x"), batch, dim);
            Tensor w0 = floats(c.get("W"), classes, dim);
            Tensor labels = Tensors.longs(Placement.CPU_FLOAT, longs(c.get("labels")));
            try (PartialFC head = new PartialFC(config, Communicator.single(), w0, null, null, null)) {
                HeadResult step = head.step(x, labels, 0.1);
                // the case exercises the filter: without it arcface_torch's loss is far from this one
                assertTrue(Math.abs(c.get("loss_unfiltered").asDouble() - c.get("loss").asDouble()) > 1, name);
                // why 1e-5 of each quantity's scale: float32 (u = 6e-8) over sums of D = 16 or C = 37 terms, exp/log and
                // a normalisation add a few dozen roundings (≤ 100·u); the unfiltered loss is off by more than 10 %
                assertEquals(c.get("loss").asDouble(), step.loss(), 1e-5 * Math.abs(c.get("loss").asDouble()), name + " loss");
                assertRelative(name + " grad_x", doubles(c.get("grad_x")), step.embeddingGrad(), 1e-5);
                // from zero momentum and no weight decay the momentum after one step is ∂L/∂W
                assertRelative(name + " grad_W", doubles(c.get("grad_W")), head.weights().momentum(), 1e-5);
            }
        }
    }

    @ParameterizedTest(name = "{0} ratio {1} block {2} {3} recompute {4} threshold {5}")
    @CsvSource({
        "arcface, 1.0, 64, float64, false, 0.2",
        "arcface, 0.4, 50, float64, false, 0.2",
        "cosface, 1.0, 100, float64, true, 0.1",
        "cosface, 0.3, 37, float64, true, 0.3",
        "sphereface, 1.0, 0, float64, false, 0.2",
        "combined, 0.5, 64, float64, false, -0.1",
        "arcface, 1.0, 64, float32, false, 0.2",
        "cosface, 0.4, 128, float32, true, 0.2",
    })
    void blockedStepEqualsTheSingleDeviceReferenceWithTheSameMask(String loss, double ratio, int block, String dtype, boolean recompute,
            double threshold) {
        HeadConfig config = HeadConfig.of(1001, 32, LossType.parse(loss)).withSampleRatio(ratio).withBlockRows(block)
                .withRecomputedLogits(recompute).withPlacement(Placement.of("cpu", dtype)).withInterclassFilteringThreshold(threshold);
        // as SingleWorkerHeadTest: float64's and float32's roundings over a step with D = 32, B = 16 stay 10× below these
        double tolerance = dtype.equals("float64") ? 1e-12 : 1e-5;
        HeadCheck.Report report = HeadCheck.run(config, Communicator.single(), 16, 3, 0.1, tolerance);
        assertTrue(report.pass(), () -> "errors above " + tolerance + ": " + report.errors());
    }

    @Test
    void filteringLowersTheLossAndZeroesTheGradientThroughFilteredCentres() {
        try (PointerScope scope = new PointerScope()) {
            HeadConfig plain = HeadConfig.of(50, 8, LossType.COSFACE).withPlacement(Placement.of("cpu", "float64"));
            HeadConfig filtered = plain.withInterclassFilteringThreshold(0.3);
            Tensor x = Tensors.doubles(new double[] {1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0}, 2, 8);
            double[] centres = new double[50 * 8];
            for (int i = 0; i < centres.length; i++) {
                centres[i] = Math.sin(i + 1);
            }
            // class 7 is close to both rows (cos 0.96 and 0.75), but their target is class 3
            System.arraycopy(new double[] {0.9, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1}, 0, centres, 7 * 8, 8);
            Tensor w = Tensors.doubles(centres, 50, 8);
            Tensor labels = Tensors.longs(Placement.CPU_FLOAT, new long[] {3, 3});
            SingleDeviceReference.Result a = SingleDeviceReference.compute(plain, x, labels, w, null, null);
            SingleDeviceReference.Result b = SingleDeviceReference.compute(filtered, x, labels, w, null, null);
            // a logit s·cos > s·0.3 became 0, so the softmax denominator and the loss drop
            assertTrue(b.loss() < a.loss() - 1, a.loss() + " -> " + b.loss());
            assertTrue(Tensors.maxAbs(a.gradW().select(0, 7)) > 1e-3, "unfiltered, the close centre is pushed away");
            assertEquals(0.0, Tensors.maxAbs(b.gradW().select(0, 7)), "filtered, it is a constant: no gradient");
        }
    }

    @Test
    void aThresholdOutsideMinusOneToOneOrOnThePlainSoftmaxIsRefusedNamingTheKey() {
        HeadConfig arc = HeadConfig.of(100, 8, LossType.ARCFACE);
        for (double bad : new double[] {1, -1, 2, Double.NaN}) {
            HeadConfigException e = assertThrows(HeadConfigException.class, () -> arc.withInterclassFilteringThreshold(bad));
            assertEquals("interclass_filtering_threshold", e.key());
        }
        assertEquals("interclass_filtering_threshold", assertThrows(HeadConfigException.class,
                () -> HeadConfig.of(100, 8, LossType.SOFTMAX).withInterclassFilteringThreshold(0.2)).key());
    }

    @ParameterizedTest(name = "world size {0}")
    @ValueSource(ints = {2, 3})
    void everyWorkerCountEqualsTheReferenceInFullSoftmaxAndPartialFc(int world) throws Exception {
        Jvm.Running launch = Jvm.plsc(List.of("launch", "--nproc", Integer.toString(world), "--master-port", "0", "--",
                "check", "--classes", "1001", "--emb", "32", "--batch", "8", "--loss", "arcface,cosface,combined",
                "--sample-ratio", "1.0,0.4", "--interclass-filtering-threshold", "0.2", "--steps", "3", "--timeout", "120", "--json"));
        int code = launch.waitFor(300);
        String out = launch.output();
        assertEquals(0, code, out);
        int reports = 0;
        for (String line : launch.lines) {
            int at = line.indexOf("CHECK_JSON ");
            if (at >= 0) {
                JsonNode r = new ObjectMapper().readTree(line.substring(at + "CHECK_JSON ".length()));
                assertEquals(world, r.get("world_size").asInt());
                // float32 with sums split across processes: as MultiProcessHeadTest
                r.get("max_rel_err").fields().forEachRemaining(e -> assertTrue(e.getValue().asDouble() <= 1e-5,
                        r.get("loss_type") + " ratio " + r.get("sample_ratio") + ": " + e.getKey() + " error " + e.getValue()));
                reports++;
            }
        }
        assertEquals(6, reports, out);
    }
}
