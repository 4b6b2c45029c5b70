package org.plscj.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** CpuFeatures: bf16 hardware is read from /proc/cpuinfo's flags, never guessed from the model name. */
class CpuFeaturesTest {
    private static final String AVX512_NO_BF16 = """
            processor	: 0
            model name	: Intel(R) Xeon(R) CPU @ 2.80GHz
            flags		: fpu sse2 avx2 avx512f avx512dq avx512cd avx512bw avx512vl avx512_vnni
            processor	: 1
            flags		: fpu sse2 avx2 avx512f avx512_bf16
            """;

    @Test
    void aCpuWithAvx512ButWithoutAvx512Bf16HasNoBf16() {
        CpuFeatures cpu = CpuFeatures.parse(AVX512_NO_BF16);
        assertTrue(cpu.flags().contains("avx512_vnni"));
        assertFalse(cpu.bf16(), "only the first processor's flags count; it has no avx512_bf16");
        assertEquals("none", cpu.bf16Flags());
    }

    @Test
    void avx512Bf16OrAmxBf16MeansBf16InHardware() {
        assertTrue(CpuFeatures.parse("model name : AMD EPYC\nflags : fma avx512f avx512_bf16 avx512_vnni\n").bf16());
        CpuFeatures amx = CpuFeatures.parse("flags\t\t: avx512f amx_tile amx_bf16 amx_int8\n");
        assertTrue(amx.bf16());
        assertEquals("amx_bf16", amx.bf16Flags());
    }

    @Test
    void aTextWithoutFlagsMeansNothingIsAssumed() {
        assertFalse(CpuFeatures.parse("").bf16());
        assertFalse(CpuFeatures.parse("model name : Some CPU with bf16 in its name\n").bf16(), "never from the model name");
    }

    @Test
    void oneDnnFlagsAreTheIsaExtensionsPresentOldestFirstAndNothingElse() {
        assertEquals(List.of("avx2", "avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512_vnni"),
                CpuFeatures.parse(AVX512_NO_BF16).oneDnnFlags(), "fpu, sse2 and avx512cd pick no oneDNN kernel");
        assertEquals(List.of("avx512f", "amx_tile", "amx_int8", "amx_bf16"),
                CpuFeatures.parse("flags\t\t: amx_int8 amx_bf16 avx512f amx_tile\n").oneDnnFlags());
        assertEquals(List.of(), CpuFeatures.parse("").oneDnnFlags());
    }
}
