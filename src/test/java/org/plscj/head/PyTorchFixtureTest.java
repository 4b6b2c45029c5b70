package org.plscj.head;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.plscj.comm.Communicator;
import org.plscj.tensor.Native;
import org.plscj.tensor.Tensors;

/**
 * Loss, gradients and two SGD steps against values PyTorch produced once
 * (src/test/resources/fixtures/make_margin_fixtures.py, torch autograd + torch.optim.SGD in float64).
 */
class PyTorchFixtureTest {
    /**
     * Max |ours − PyTorch's float64| relative to the quantity's largest magnitude. Why 1e-5: the head runs in
     * float32 (u = 6e-8) and its deepest reduction sums D = 8…32 or B = 4…8 terms, then exp/log and two SGD steps
     * add a few roundings each: ≤ 100·u ≈ 6e-6 relative; a wrong sign, margin or index is off by ≥ 1e-2.
     */
    private static final double TOLERANCE = 1e-5;

    @BeforeAll
    static void load() {
        Native.load();
    }

    static Stream<Arguments> cases() throws IOException {
        try (InputStream in = PyTorchFixtureTest.class.getResourceAsStream("/fixtures/margin_losses.json")) {
            JsonNode root = new ObjectMapper().readTree(in);
            List<Arguments> out = new ArrayList<>();
            root.get("cases").forEach(c -> out.add(Arguments.of(c.get("name").asText(), c)));
            return out.stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void lossGradientsAndTwoSgdStepsMatchPyTorch(String name, JsonNode c) {
        try (PointerScope scope = new PointerScope()) {
            int classes = c.get("num_classes").asInt();
            int dim = c.get("emb_dim").asInt();
            int batch = c.get("batch").asInt();
            LossType type = LossType.parse(c.get("loss_type").asText());
            HeadConfig config = HeadConfig.of(classes, dim, type)
                    .withMargin(new Margin(c.get("m1").asDouble(), c.get("m2").asDouble(), c.get("m3").asDouble(), c.get("scale").asDouble()))
                    .withOptimizer(c.get("momentum").asDouble(), c.get("weight_decay").asDouble())
                    .withBlockRows(16);
            double lr = c.get("lr").asDouble();
            Tensor x = floats(c.get("x"), batch, dim);
            Tensor w0 = floats(c.get("W"), classes, dim);
            Tensor bias = c.get("bias").isNull() ? null : floats(c.get("bias"), classes);
            Tensor labels = Tensor.create(longs(c.get("labels")));
            try (PartialFC head = new PartialFC(config, Communicator.single(), w0, null, bias, null)) {
                HeadResult first = head.step(x, labels, lr);
                assertClose(name + " loss", c.get("loss").asDouble(), first.loss());
                assertRelative(name + " grad_x", doubles(c.get("grad_x")), first.embeddingGrad(), TOLERANCE);
                // from zero momentum, v₁ = ∂L/∂W + λ·W₀
                Tensor dw = head.weights().momentum().sub(w0.mul(Tensors.scalar(config.weightDecay())));
                assertRelative(name + " grad_W", doubles(c.get("grad_W")), dw, TOLERANCE);
                if (bias != null) {
                    Tensor db = head.weights().biasMomentum().sub(bias.mul(Tensors.scalar(config.weightDecay())));
                    assertRelative(name + " grad_bias", doubles(c.get("grad_bias")), db, TOLERANCE);
                    assertRelative(name + " bias_after_sgd", doubles(c.get("bias_after_sgd")), head.weights().bias(), TOLERANCE);
                }
                assertRelative(name + " W_after_sgd", doubles(c.get("W_after_sgd")), head.weights().weight(), TOLERANCE);
                HeadResult second = head.step(x, labels, lr);
                assertClose(name + " loss_step2", c.get("loss_step2").asDouble(), second.loss());
                assertRelative(name + " W_after_sgd2", doubles(c.get("W_after_sgd2")), head.weights().weight(), TOLERANCE);
            }
        }
    }

    private static void assertClose(String what, double expected, double actual) {
        assertEquals(expected, actual, TOLERANCE * Math.max(1, Math.abs(expected)), what);
    }
}
