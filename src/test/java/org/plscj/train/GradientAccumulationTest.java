package org.plscj.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.plscj.comm.Communicator;
import org.plscj.head.HeadConfig;
import org.plscj.head.LossType;
import org.plscj.head.PartialFC;
import org.plscj.tensor.Native;
import org.plscj.tensor.Placement;
import org.plscj.tensor.Tensors;
import org.plscj.testing.TinyBackbone;
import org.plscj.testing.TinyRun;

/**
 * gradient_acc K: an update over K micro-batches of B images is exactly one step over the K·B images together, for a
 * backbone without BatchNorm (TinyBackbone), in float64: the backbone, the head's shard (also under Partial FC, which
 * samples once per update) and their optimizers' state end equal.
 */
class GradientAccumulationTest {
    private static final Placement F64 = Placement.of("cpu", "float64");
    private static final int CLASSES = 20;
    private static final int MICRO = 3;
    private static final int BATCH = 4;

    @BeforeAll
    static void load() {
        Native.load();
    }

    /** A float64 TinyBackbone, its head and optimizer: equal seeds, equal runs. */
    private record Run(TinyBackbone backbone, PartialFC head, BackboneOptimizer optimizer, TrainStep step) {
        static Run of(String loss, double ratio, String optimizer) {
            torch.manual_seed(11);
            TinyBackbone backbone = new TinyBackbone(16);
            backbone.to(ScalarType.Double, false);
            TrainConfig c = TrainConfigLoader.override(TrainConfig.defaults(), List.of("optimizer=" + optimizer, "weight_decay=0.01"));
            HeadConfig head = HeadConfig.of(CLASSES, 16, LossType.parse(loss)).withSampleRatio(ratio).withPlacement(F64)
                    .withBlockRows(7).withOptimizer(0.9, 0.01).withAdamW(optimizer.equals("adamw"));
            PartialFC fc = new PartialFC(head, Communicator.single());
            BackboneOptimizer opt = BackboneOptimizer.of(c, backbone);
            return new Run(backbone, fc, opt, new TrainStep(backbone, fc, opt, Communicator.single(), false));
        }
    }

    @ParameterizedTest(name = "{0}, sample ratio {1}, {2}")
    @CsvSource({"arcface, 1.0, sgd", "cosface, 0.5, sgd", "softmax, 0.6, sgd", "arcface, 0.5, adamw", "softmax, 1.0, adamw"})
    void anUpdateOverKMicroBatchesEqualsOneStepOnTheirUnion(String loss, double ratio, String optimizer) {
        try (PointerScope scope = new PointerScope()) {
            Run accumulated = Run.of(loss, ratio, optimizer);
            Run whole = Run.of(loss, ratio, optimizer);
            torch.manual_seed(5);
            for (int update = 0; update < 2; update++) {
                Tensor[] images = new Tensor[MICRO];
                Tensor[] labels = new Tensor[MICRO];
                for (int k = 0; k < MICRO; k++) {
                    images[k] = Tensors.randn(F64, BATCH, 3, 112, 112);
                    labels[k] = torch.randint(0L, CLASSES, new long[] {BATCH});
                }
                TrainStep.Result a = accumulated.step().run(List.of(images), List.of(labels), 0.05, System.nanoTime());
                TrainStep.Result b = whole.step().run(Tensors.cat0(images), Tensors.cat0(labels), 0.05, System.nanoTime());
                // why 1e-12 relative: float64 (u = 1.1e-16); the two runs sum the same terms in another order
                assertEquals(b.loss(), a.loss(), 1e-12 * Math.abs(b.loss()), "loss of update " + update);
                assertEquals(b.gradNorm(), a.gradNorm(), 1e-12 * b.gradNorm(), "backbone gradient norm of update " + update);
            }
            Tensor[] p = accumulated.backbone().parameters().get();
            Tensor[] q = whole.backbone().parameters().get();
            for (int i = 0; i < p.length; i++) {
                assertEquals(0, Tensors.maxAbs(p[i].sub(q[i])), 1e-12 * Tensors.maxAbs(q[i]), "backbone parameter " + i);
            }
            Tensor w = whole.head().weights().weight();
            assertEquals(0, Tensors.maxAbs(accumulated.head().weights().weight().sub(w)), 1e-12 * Tensors.maxAbs(w), "head W");
            Tensor m = whole.head().weights().momentum();
            assertEquals(0, Tensors.maxAbs(accumulated.head().weights().momentum().sub(m)), 1e-12 * Tensors.maxAbs(m), "head momentum");
            if (whole.head().weights().bias() != null) {
                Tensor bias = whole.head().weights().bias();
                assertEquals(0, Tensors.maxAbs(accumulated.head().weights().bias().sub(bias)), 1e-12 * Math.max(1e-6, Tensors.maxAbs(bias)),
                        "head bias");
            }
            for (String key : whole.optimizer().state().keySet()) {
                Tensor s = whole.optimizer().state().get(key);
                assertEquals(0, Tensors.maxAbs(accumulated.optimizer().state().get(key).sub(s)), 1e-12 * Math.max(1e-12, Tensors.maxAbs(s)),
                        "backbone optimizer state " + key);
            }
        }
    }

    @Test
    void gradientAccBelowOneIsRefusedNamingTheKey() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> TrainConfigLoader.override(TrainConfig.defaults(), List.of("gradient_acc=0")));
        assertEquals("gradient_acc", e.key());
    }

    @Test
    void theLrScalesWithTheBatchOfAnUpdate() {
        TrainConfig c = TrainConfigLoader.override(TrainConfig.defaults(), List.of("gradient_acc=4", "train_batch_size=64"));
        assertEquals(LrSchedule.batchFactor(256, 2), LrSchedule.of(c, 2, 100, 1000).batchFactor());
    }

    @Test
    void aTrainingRunCountsUpdatesAndContinuesFromItsCheckpointLikeTheUninterruptedRun(@TempDir Path dir) throws Exception {
        TinyRun.writeData(dir.resolve("data"));
        String[] keys = {"gradient_acc=2", "train_batch_size=4", "save_steps=2", "val_targets=[]", "train_steps=4"};
        TrainingSummary straight = train(dir, "straight", keys);
        assertEquals(4, straight.losses().size(), "one metrics line per update");
        TrainingSummary continued = train(dir, "continued", append(keys,
                "checkpoint_dir=" + dir.resolve("straight").resolve("checkpoints").resolve("step-00000002")));
        assertEquals(2, continued.losses().size());
        for (int s = 0; s < 2; s++) {
            // why relative 1e-6: the same float32 operations on the same images (the loader skips 2 × gradient_acc batches)
            assertEquals(straight.losses().get(2 + s), continued.losses().get(s), 1e-6 * straight.losses().get(2 + s), "loss of step " + (3 + s));
        }
    }

    private record TrainingSummary(List<Double> losses) {}

    private static TrainingSummary train(Path dir, String name, String... keys) throws Exception {
        TinyRun.train(TinyRun.config(dir.resolve("data"), dir.resolve(name), keys), false);
        return new TrainingSummary(MetricsLog.read(dir.resolve(name)).stream().map(MetricsEntry::loss).toList());
    }

    private static String[] append(String[] keys, String more) {
        String[] out = java.util.Arrays.copyOf(keys, keys.length + 1);
        out[keys.length] = more;
        return out;
    }
}
