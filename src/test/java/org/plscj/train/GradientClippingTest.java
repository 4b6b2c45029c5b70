package org.plscj.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.plscj.comm.Communicator;
import org.plscj.head.HeadConfig;
import org.plscj.head.LossType;
import org.plscj.head.PartialFC;
import org.plscj.tensor.Native;
import org.plscj.tensor.Placement;
import org.plscj.tensor.Tensors;
import org.plscj.testing.TinyBackbone;

/**
 * clip_grad_norm: the backbone's update uses ∇θ·c/(‖∇θ‖ + 1e-6) when ‖∇θ‖ > c (torch.nn.utils.clip_grad_norm_),
 * the step reports ‖∇θ‖ before clipping, and the head's update is never clipped.
 */
class GradientClippingTest {
    @BeforeAll
    static void load() {
        Native.load();
    }

    /** One plain-SGD step (no momentum, no decay: Δθ = −lr·g) from seed 5; returns Δθ by name, the head's W after, and the result. */
    private record Step(Map<String, double[]> delta, double[] headWeight, TrainStep.Result result) {}

    private static Step oneStep(double clip) {
        torch.manual_seed(5);
        TinyBackbone backbone = new TinyBackbone(16);
        double lr = 0.1;
        try (Communicator comm = Communicator.single();
                PartialFC head = new PartialFC(HeadConfig.of(11, 16, LossType.COSFACE), comm);
                BackboneSgd sgd = new BackboneSgd(backbone, 0, 0);
                PointerScope scope = new PointerScope()) {
            Map<String, double[]> before = new LinkedHashMap<>();
            sgd.parameters().forEach((name, p) -> before.put(name, Tensors.toDoubleArray(p)));
            torch.manual_seed(4);
            Tensor images = Tensors.randn(Placement.CPU_FLOAT, 6, 3, 112, 112);
            Tensor labels = Tensors.longs(Placement.CPU_FLOAT, new long[] {0, 3, 5, 7, 9, 10});
            TrainStep.Result r = new TrainStep(backbone, head, sgd, comm, false, clip).run(images, labels, lr, System.nanoTime());
            Map<String, double[]> delta = new LinkedHashMap<>();
            sgd.parameters().forEach((name, p) -> {
                double[] after = Tensors.toDoubleArray(p);
                double[] b = before.get(name);
                for (int i = 0; i < after.length; i++) {
                    after[i] = (b[i] - after[i]) / lr;
                }
                delta.put(name, after);
            });
            return new Step(delta, Tensors.toDoubleArray(head.weights().weight()), r);
        } finally {
            backbone.close();
        }
    }

    private static double norm(Map<String, double[]> grads) {
        double s = 0;
        for (double[] g : grads.values()) {
            for (double v : g) {
                s += v * v;
            }
        }
        return Math.sqrt(s);
    }

    @Test
    void clippingScalesTheBackboneGradientToTheNormAndLeavesTheHeadAlone() {
        Step free = oneStep(0);
        double g = norm(free.delta());
        // why relative 1e-4: ‖g‖ from the parameters' change (p − lr·g in float32, then divided by lr) keeps ~4 digits
        assertEquals(g, free.result().gradNorm(), 1e-4 * g, "the step reports ‖∇θ‖");
        double c = g / 4;
        Step clipped = oneStep(c);
        // why relative 1e-6: both runs compute the same norm of the same gradient (seeded); clipping happens after it
        assertEquals(free.result().gradNorm(), clipped.result().gradNorm(), 1e-6 * g, "grad_norm is the norm before clipping");
        assertEquals(c, norm(clipped.delta()), 1e-4 * c, "the applied gradient has norm clip_grad_norm");
        double factor = c / (g + 1e-6);
        for (String name : free.delta().keySet()) {
            double[] a = free.delta().get(name);
            double[] b = clipped.delta().get(name);
            for (int i = 0; i < a.length; i++) {
                // why: each component scaled by one factor; error bound as above, relative to the largest component
                assertEquals(a[i] * factor, b[i], 1e-4 * c, name + "[" + i + "]");
            }
        }
        double[] w0 = free.headWeight();
        double[] w1 = clipped.headWeight();
        for (int i = 0; i < w0.length; i++) {
            assertEquals(w0[i], w1[i], 0.0, "the head's update is not clipped: W[" + i + "]");
        }
    }

    @Test
    void aClipAboveTheNormChangesNothing() {
        Step free = oneStep(0);
        Step loose = oneStep(free.result().gradNorm() * 2);
        for (String name : free.delta().keySet()) {
            assertTrue(java.util.Arrays.equals(free.delta().get(name), loose.delta().get(name)), name);
        }
    }
}
