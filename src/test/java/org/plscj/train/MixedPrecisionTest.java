package org.plscj.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
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
import org.plscj.tensor.CpuFeatures;
import org.plscj.tensor.Native;
import org.plscj.tensor.Placement;
import org.plscj.tensor.Tensors;
import org.plscj.testing.TinyBackbone;

/**
 * mixed_precision: the backbone's forward runs in bfloat16 under autocast; weights, gradients and the head
 * stay fp32; {@code auto} turns it on only where the CPU has bf16 instructions.
 */
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

    private static final CpuFeatures WITH_BF16 = CpuFeatures.parse("flags : avx512f avx512_bf16\n");
    private static final CpuFeatures WITHOUT_BF16 = CpuFeatures.parse("flags : avx512f avx512_vnni\n");

    @Test
    void autoChoosesBf16ExactlyWhereTheCpuComputesBf16InHardwareAndSaysWhy() {
        MixedPrecision on = MixedPrecision.decide("auto", WITH_BF16);
        assertTrue(on.bf16());
        assertTrue(on.message().contains("avx512_bf16"), on.message());
        MixedPrecision off = MixedPrecision.decide("auto", WITHOUT_BF16);
        assertFalse(off.bf16());
        assertTrue(off.message().contains("fp32") && off.message().contains("no bf16 instructions"), off.message());
    }

    @Test
    void anExplicitTrueOnACpuWithoutBf16RunsBf16ButWarnsItWillBeSlower() {
        MixedPrecision forced = MixedPrecision.decide("true", WITHOUT_BF16);
        assertTrue(forced.bf16());
        assertTrue(forced.message().startsWith("warning") && forced.message().contains("slower"), forced.message());
        assertFalse(MixedPrecision.decide("false", WITH_BF16).bf16());
    }

    @Test
    void aMixedPrecisionValueOtherThanAutoTrueOrFalseIsRefusedNamingTheKey() {
        ConfigException e = assertThrows(ConfigException.class, () -> TrainConfigLoader.load(null, List.of("mixed_precision=bf16")));
        assertTrue(e.getMessage().contains("mixed_precision") && e.getMessage().contains("auto"), e.getMessage());
        assertEquals("true", TrainConfigLoader.load(null, List.of("mixed_precision=true")).mixedPrecision());
    }
}
