package org.plscj.train;

import java.util.List;
import org.plscj.tensor.CpuFeatures;

/**
 * What {@code mixed_precision} (auto, true, false) means for this backbone on this CPU. bf16 pays off only where the CPU
 * computes bf16 in hardware (AVX512-BF16 or AMX; elsewhere oneDNN emulates it and a step is slower than in fp32: 5× on
 * TinyFaceNet, BENCHMARKS.md) and where convolutions are most of the step: measured on a 2-vCPU EPYC with AVX512-BF16 at
 * batch 64, IResNet50 (6.3 GMAC per image) ran 1.46× faster in bf16, MobileFaceNet (0.44 GMAC) 0.98×, TinyFaceNet
 * (0.04 GMAC) 0.88×: in small and depthwise networks BatchNorm, PReLU and the casts dominate, and they gain nothing.
 *
 * @param bf16    whether the backbone runs in bf16
 * @param message the one line the trainer logs about the choice
 */
public record MixedPrecision(boolean bf16, String message) {
    /** The accepted values of {@code mixed_precision}. */
    public static final List<String> SETTINGS = List.of("auto", "true", "false");
    /** Forward MACs per image from which {@code auto} chooses bf16 (between the measured 0.44 G loss and 6.3 G gain). */
    public static final double AUTO_MIN_MACS = 1e9;

    /**
     * @param macsPerImage the backbone's forward MACs per image, or a negative number when they cannot be counted (a
     *                     custom backbone that does not describe its graph: auto then keeps fp32)
     */
    public static MixedPrecision decide(String setting, CpuFeatures cpu, long macsPerImage) {
        return switch (setting) {
            case "auto" -> auto(cpu, macsPerImage);
            case "true" -> new MixedPrecision(true, cpu.bf16() ? "mixed_precision true: bf16 backbone (" + cpu.bf16Flags() + ")"
                    : "warning: mixed_precision true on a CPU without bf16 instructions (avx512_bf16 or amx_bf16): bf16 is "
                            + "emulated here and a step will be slower than in fp32; use auto or false");
            case "false" -> new MixedPrecision(false, "mixed_precision false: fp32");
            default -> throw new IllegalArgumentException("mixed_precision must be one of " + SETTINGS + ", got " + setting);
        };
    }

    private static MixedPrecision auto(CpuFeatures cpu, long macsPerImage) {
        if (!cpu.bf16()) {
            return new MixedPrecision(false, "mixed_precision auto: fp32, because this CPU has no bf16 instructions "
                    + "(avx512_bf16 or amx_bf16), where bf16 would run slower than fp32");
        }
        if (macsPerImage < 0) {
            return new MixedPrecision(false, "mixed_precision auto: fp32, because this backbone does not describe its graph "
                    + "(Backbone.exportTo), so its size is unknown; set mixed_precision: true to train it in bf16");
        }
        String size = String.format("%.2f GMAC per image", macsPerImage / 1e9);
        return macsPerImage >= AUTO_MIN_MACS
                ? new MixedPrecision(true, "mixed_precision auto: bf16 backbone (this CPU computes bf16 in hardware: "
                        + cpu.bf16Flags() + "; the backbone's " + size + " are mostly convolutions)")
                : new MixedPrecision(false, "mixed_precision auto: fp32, because this backbone is small (" + size + ", under "
                        + String.format("%.0f", AUTO_MIN_MACS / 1e9) + "), where bf16 gains nothing (BENCHMARKS.md); "
                        + "set mixed_precision: true to force it");
    }
}
