package org.plscj.train;

import java.util.List;
import org.plscj.tensor.CpuFeatures;

/**
 * What {@code mixed_precision} (auto, true, false) means on this CPU: bf16 pays off only where the CPU computes bf16 in
 * hardware (AVX512-BF16 or AMX). Measured on a 2-vCPU EPYC with AVX512-BF16 at batch 64, a bf16 step was 1.65–1.67× faster
 * than fp32 for IResNet50/100 and PLSC's ResNet50, 1.19× for MobileFaceNet, 1.46× for TinyFaceNet (BENCHMARKS.md); without
 * those instructions oneDNN emulates bf16 and a step is slower than in fp32 (5× on TinyFaceNet).
 *
 * @param bf16    whether the backbone runs in bf16
 * @param message the one line the trainer logs about the choice
 */
public record MixedPrecision(boolean bf16, String message) {
    /** The accepted values of {@code mixed_precision}. */
    public static final List<String> SETTINGS = List.of("auto", "true", "false");
    public static MixedPrecision decide(String setting, CpuFeatures cpu) {
        return switch (setting) {
            case "auto" -> cpu.bf16()
                    ? new MixedPrecision(true, "mixed_precision auto: bf16 backbone (this CPU computes bf16 in hardware: "
                            + cpu.bf16Flags() + ")")
                    : new MixedPrecision(false, "mixed_precision auto: fp32, because this CPU has no bf16 instructions "
                            + "(avx512_bf16 or amx_bf16), where bf16 would run slower than fp32");
            case "true" -> new MixedPrecision(true, cpu.bf16() ? "mixed_precision true: bf16 backbone (" + cpu.bf16Flags() + ")"
                    : "warning: mixed_precision true on a CPU without bf16 instructions (avx512_bf16 or amx_bf16): bf16 is "
                            + "emulated here and a step will be slower than in fp32; use auto or false");
            case "false" -> new MixedPrecision(false, "mixed_precision false: fp32");
            default -> throw new IllegalArgumentException("mixed_precision must be one of " + SETTINGS + ", got " + setting);
        };
    }
}
