package org.plscj.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.plscj.comm.Communicator;
import org.plscj.head.HeadConfig;
import org.plscj.head.HeadResult;
import org.plscj.head.LossType;
import org.plscj.head.PartialFC;
import org.plscj.tensor.Native;
import org.plscj.tensor.Placement;
import org.plscj.tensor.Tensors;
import org.plscj.testing.TinyBackbone;

/** mixed_precision: the backbone's forward runs in bfloat16 under autocast; weights, gradients and the head stay fp32. */
class MixedPrecisionTest {
    @BeforeAll
    static void load() {
        Native.load();
    }

    private static HeadResult oneStep(boolean bf16) {
        torch.manual_seed(9);
        TinyBackbone backbone = new TinyBackbone(16);
        try (Communicator comm = Communicator.single();
                PartialFC head = new PartialFC(HeadConfig.of(11, 16, LossType.COSFACE), comm);
                BackboneSgd sgd = new BackboneSgd(backbone, 0.9, 5e-4);
                PointerScope scope = new PointerScope()) {
            torch.manual_seed(4);
            Tensor images = Tensors.randn(Placement.CPU_FLOAT, 6, 3, 112, 112);
            Tensor labels = Tensors.longs(Placement.CPU_FLOAT, new long[] {0, 3, 5, 7, 9, 10});
            TrainStep.Result r = new TrainStep(backbone, head, sgd, comm, bf16).run(images, labels, 0.1, System.nanoTime());
            for (Tensor p : sgd.parameters().values()) {
                assertEquals(ScalarType.Float, p.scalar_type().intern(), "master weights stay fp32");
            }
            return new HeadResult(r.loss(), r.accuracy(), null);
        } finally {
            backbone.close();
        }
    }

    @Test
    void bf16ForwardIsCloseToFp32ButNotIdenticalAndAutocastIsOffAfterwards() {
        double fp32 = oneStep(false).loss();
        double bf16 = oneStep(true).loss();
        assertTrue(bf16 != fp32, "autocast changed nothing: the forward did not run in bf16");
        assertEquals(fp32, bf16, 0.05 * Math.abs(fp32), "bf16 keeps ~3 significant digits");
        assertTrue(!torch.is_autocast_enabled(DeviceType.CPU), "autocast must not leak past the forward");
    }
}
