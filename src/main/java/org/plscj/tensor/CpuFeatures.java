package org.plscj.tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The instruction-set extensions of this CPU that change which kernels oneDNN can run, read from the
 * {@code flags} line of /proc/cpuinfo (the kernel's names), never from the model name: machines of one
 * kind differ (STACK.md: one had AVX512-BF16, another not).
 *
 * @param flags every flag the kernel reports for the first processor (empty when unknown)
 */
public record CpuFeatures(Set<String> flags) {
    /** The flags that give oneDNN native bfloat16 convolutions and GEMMs: AVX512-BF16 or AMX-BF16. */
    private static final Set<String> BF16_FLAGS = Set.of("avx512_bf16", "amx_bf16");
    /** The flags behind oneDNN's CPU ISA levels (sse41 … avx512_core_amx), oldest first, in the kernel's names. */
    private static final List<String> ONEDNN_FLAGS = List.of("sse4_1", "avx", "avx2", "fma", "avx_vnni", "avx512f", "avx512bw",
            "avx512vl", "avx512dq", "avx512_vnni", "avx512_bf16", "avx512_fp16", "amx_tile", "amx_int8", "amx_bf16");

    public CpuFeatures {
        flags = Set.copyOf(flags);
    }

    /** This machine's features; none when /proc/cpuinfo cannot be read (then nothing is assumed). */
    public static CpuFeatures current() {
        try {
            return parse(Files.readString(Path.of("/proc/cpuinfo")));
        } catch (IOException e) {
            return new CpuFeatures(Set.of());
        }
    }

    /** The flags of the first {@code flags : …} line of a /proc/cpuinfo text. */
    public static CpuFeatures parse(String cpuinfo) {
        return cpuinfo.lines().filter(l -> l.startsWith("flags")).findFirst()
                .map(l -> new CpuFeatures(Arrays.stream(l.substring(l.indexOf(':') + 1).trim().split("\\s+"))
                        .filter(f -> !f.isEmpty()).collect(Collectors.toSet())))
                .orElse(new CpuFeatures(Set.of()));
    }

    /** Whether bfloat16 arithmetic runs in hardware (else oneDNN emulates it, slower than float32). */
    public boolean bf16() {
        return BF16_FLAGS.stream().anyMatch(flags::contains);
    }

    /** The bf16 flags present, for messages ("avx512_bf16"), or "none". */
    public String bf16Flags() {
        String present = BF16_FLAGS.stream().filter(flags::contains).sorted().collect(Collectors.joining(", "));
        return present.isEmpty() ? "none" : present;
    }

    /** The instruction-set extensions oneDNN picks its kernels by that this CPU has, oldest first (empty when unknown). */
    public List<String> oneDnnFlags() {
        return ONEDNN_FLAGS.stream().filter(flags::contains).toList();
    }
}
