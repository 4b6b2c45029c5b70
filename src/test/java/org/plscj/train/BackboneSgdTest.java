package org.plscj.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.SGD;
import org.bytedeco.pytorch.SGDOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.plscj.tensor.Native;
import org.plscj.tensor.Tensors;

class BackboneSgdTest {
    @BeforeAll
    static void load() {
        Native.load();
    }

    private static TwoLayerNet net(long seed) {
        return TwoLayerNet.seeded(seed);
    }

    @Test
    void matchesLibtorchSgdWithMomentumAndWeightDecayOverSeveralSteps() {
        try (PointerScope scope = new PointerScope()) {
            TwoLayerNet ours = net(7);
            TwoLayerNet reference = net(7);
            BackboneSgd sgd = new BackboneSgd(ours, 0.9, 5e-4);
            SGDOptions options = new SGDOptions(0.1);
            options.momentum().put(0.9);
            options.weight_decay().put(5e-4);
            SGD torchSgd = new SGD(reference.parameters(), options);
            torch.manual_seed(1);
            for (int step = 0; step < 4; step++) {
                Tensor x = torch.randn(8, 6);
                ours.zero_grad(true);
                ours.forward(x).pow(Tensors.scalar(2)).sum().backward();
                sgd.step(0.1);
                torchSgd.zero_grad();
                reference.forward(x).pow(Tensors.scalar(2)).sum().backward();
                torchSgd.step();
            }
            Tensor[] a = ours.parameters().get();
            Tensor[] b = reference.parameters().get();
            for (int i = 0; i < a.length; i++) {
                // why relative: four elementwise updates of values of size ≤ max |p|, each a few float32 roundings (u = 6e-8)
                assertEquals(0, Tensors.maxAbs(a[i].sub(b[i])), 1e-6 * Math.max(1e-3, Tensors.maxAbs(b[i])), "parameter " + i);
            }
        }
    }

    @Test
    void loadMomentumRefusesAMissingOrMisshapenBuffer() {
        try (PointerScope scope = new PointerScope()) {
            BackboneSgd sgd = new BackboneSgd(net(3), 0.9, 0);
            IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> sgd.loadMomentum(Map.of()));
            assertEquals("the saved optimizer state has no momentum for parameter 'first.weight'", missing.getMessage());
        }
    }
}
