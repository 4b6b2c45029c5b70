package org.plscj.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.plscj.io.MemoryProbe;
import org.plscj.model.Backbone;
import org.plscj.model.Backbones;
import org.plscj.tensor.Native;
import org.plscj.tensor.Placement;
import org.plscj.tensor.Scoped;
import org.plscj.tensor.Tensors;

/** plsc plan's backbone activation memory, counted from the layer shapes, against what a training step really takes. */
class TrainingPlanTest {
    @BeforeAll
    static void load() {
        Native.load();
    }

    @ParameterizedTest
    // why not TinyFaceNet: a toy whose per-step scratch buffers outweigh its activations (see TrainingPlan)
    @ValueSource(strings = {"MobileFaceNet", "r50"})
    void theActivationEstimateIsNeverBelowWhatAStepAddsPerImage(String model) {
        int batch = 8;
        TrainConfig c = TrainConfigLoader.load(null, List.of("model_name=" + model, "num_classes=100", "emb_dim=128",
                "train_batch_size=" + batch));
        try (Backbone net = Backbones.create(model, 128)) {
            net.train(true);
            trainStep(net, batch);
            double before = MemoryProbe.peakRssMb();
            trainStep(net, 2 * batch);
            // why the peak RSS: activations live between forward and backward; the second step's extra images need
            // buffers the first one's freed ones cannot hold. It can only under-read (an earlier higher peak hides growth),
            // so it bounds the estimate from below, never makes the test flaky
            double measuredPerImage = (MemoryProbe.peakRssMb() - before) * 1024 * 1024 / batch;
            double plannedPerImage = TrainingPlan.counted(c, 1, 1, net).orElseThrow().activationBytes() / (double) batch;
            assertTrue(plannedPerImage >= measuredPerImage, model + ": planned " + plannedPerImage + " B/image, measured "
                    + measuredPerImage);
        }
    }

    private static void trainStep(Backbone net, int batch) {
        Scoped.run(() -> {
            net.forward(Tensors.randn(Placement.CPU_FLOAT, batch, 3, 112, 112)).sum().backward();
            net.zero_grad(true);
        });
    }
}
