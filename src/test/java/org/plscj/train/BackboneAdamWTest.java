package org.plscj.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.AdamW;
import org.bytedeco.pytorch.AdamWOptions;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.plscj.tensor.Native;
import org.plscj.tensor.Tensors;

class BackboneAdamWTest {
    @BeforeAll
    static void load() {
        Native.load();
    }

    private static TwoLayerNet net(long seed) {
        return TwoLayerNet.seeded(seed);
    }

    private static void backward(TwoLayerNet net, Tensor x) {
        net.zero_grad(true);
        net.forward(x).pow(Tensors.scalar(2)).sum().backward();
    }

    private static void assertSameParameters(Module ours, Module reference) {
        Tensor[] a = ours.parameters().get();
        Tensor[] b = reference.parameters().get();
        for (int i = 0; i < a.length; i++) {
            // why relative: five elementwise updates of values of size ≤ max |p|, each a few float32 roundings (u = 6e-8);
            // AdamW's steps are about lr in size whatever the gradient, so the bound is on the parameters' scale
            assertEquals(0, Tensors.maxAbs(a[i].sub(b[i])), 1e-6 * Math.max(1e-3, Tensors.maxAbs(b[i])), "parameter " + i);
        }
    }

    @Test
    void matchesLibtorchAdamWWithDecoupledWeightDecayOverSeveralSteps() {
        try (PointerScope scope = new PointerScope()) {
            TwoLayerNet ours = net(7);
            TwoLayerNet reference = net(7);
            BackboneAdamW adamW = new BackboneAdamW(ours, 0.1);
            AdamWOptions options = new AdamWOptions(0.01);
            options.weight_decay().put(0.1);
            AdamW torchAdamW = new AdamW(reference.parameters(), options);
            torch.manual_seed(1);
            for (int step = 0; step < 5; step++) {
                Tensor x = torch.randn(8, 6);
                backward(ours, x);
                adamW.step(0.01);
                torchAdamW.zero_grad();
                reference.forward(x).pow(Tensors.scalar(2)).sum().backward();
                torchAdamW.step();
            }
            assertSameParameters(ours, reference);
            assertEquals(5, Tensors.toLongArray(adamW.state().get(BackboneAdamW.STEP))[0]);
        }
    }

    @Test
    void aSavedStateContinuesExactlyAsTheUninterruptedRun() {
        try (PointerScope scope = new PointerScope()) {
            TwoLayerNet uninterrupted = net(5);
            TwoLayerNet resumed = net(5);
            BackboneAdamW a = new BackboneAdamW(uninterrupted, 0.05);
            BackboneAdamW b = new BackboneAdamW(resumed, 0.05);
            torch.manual_seed(2);
            Tensor[] batches = {torch.randn(4, 6), torch.randn(4, 6), torch.randn(4, 6), torch.randn(4, 6)};
            for (int step = 0; step < 2; step++) {
                backward(uninterrupted, batches[step]);
                a.step(0.02);
                backward(resumed, batches[step]);
                b.step(0.02);
            }
            Map<String, Tensor> saved = new LinkedHashMap<>();
            b.state().forEach((k, v) -> saved.put(k, v.clone()));
            b.close();
            BackboneAdamW restarted = new BackboneAdamW(resumed, 0.05);
            restarted.loadState(saved);
            for (int step = 2; step < 4; step++) {
                backward(uninterrupted, batches[step]);
                a.step(0.02);
                backward(resumed, batches[step]);
                restarted.step(0.02);
            }
            Tensor[] x = uninterrupted.parameters().get();
            Tensor[] y = resumed.parameters().get();
            for (int i = 0; i < x.length; i++) {
                assertTrue(x[i].equal(y[i]), "parameter " + i + " after the reload");
            }
        }
    }

    @Test
    void theStateIsKeyedByTorchsMomentNamesAndParameterName() {
        try (PointerScope scope = new PointerScope()) {
            BackboneAdamW adamW = new BackboneAdamW(net(3), 0);
            assertEquals(java.util.List.of("exp_avg/first.weight", "exp_avg_sq/first.weight", "exp_avg/first.bias", "exp_avg_sq/first.bias",
                    "exp_avg/second.weight", "exp_avg_sq/second.weight", "exp_avg/second.bias", "exp_avg_sq/second.bias", "step"),
                    java.util.List.copyOf(adamW.state().keySet()));
        }
    }

    @Test
    void loadStateRefusesAnSgdMomentumOrAMisshapenMoment() {
        try (PointerScope scope = new PointerScope()) {
            TwoLayerNet net = net(3);
            BackboneAdamW adamW = new BackboneAdamW(net, 0);
            Map<String, Tensor> sgdState = new BackboneSgd(net, 0.9, 0).state();
            IllegalArgumentException sgd = assertThrows(IllegalArgumentException.class, () -> adamW.loadState(sgdState));
            assertTrue(sgd.getMessage().contains("no AdamW entry 'exp_avg/first.weight'"), sgd.getMessage());
            Map<String, Tensor> misshapen = new LinkedHashMap<>(adamW.state());
            misshapen.put("exp_avg_sq/second.bias", torch.zeros(4));
            IllegalArgumentException shape = assertThrows(IllegalArgumentException.class, () -> adamW.loadState(misshapen));
            assertEquals("the saved AdamW entry 'exp_avg_sq/second.bias' has shape [4], expected [3]", shape.getMessage());
        }
    }

    @Test
    void theConfigChoosesTheOptimizerAndRefusesAnUnknownName() {
        try (PointerScope scope = new PointerScope()) {
            TrainConfig adamw = TrainConfigLoader.override(TrainConfig.defaults(), java.util.List.of("optimizer=adamw"));
            assertTrue(BackboneOptimizer.of(adamw, net(1)) instanceof BackboneAdamW);
            assertTrue(BackboneOptimizer.of(TrainConfig.defaults(), net(1)) instanceof BackboneSgd);
            ConfigException unknown = assertThrows(ConfigException.class,
                    () -> TrainConfigLoader.override(TrainConfig.defaults(), java.util.List.of("optimizer=adam")));
            assertEquals("optimizer", unknown.key());
        }
    }
}
