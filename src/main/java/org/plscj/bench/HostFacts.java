package org.plscj.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.plscj.io.MemoryProbe;

/**
 * What a benchmark number depends on besides the code: the CPU, the cores the JVM may use, the
 * memory, and the two settings STACK.md measured as worth 1.2–5× (the preloaded allocator, OpenBLAS core type).
 *
 * @param cpuModel         the first {@code model name} of /proc/cpuinfo ("unknown" if absent)
 * @param cores            processors available to this JVM
 * @param memTotalMb       physical memory, MiB
 * @param allocator        the malloc preloaded through LD_PRELOAD: tcmalloc, jemalloc or glibc
 * @param openblasCoretype OPENBLAS_CORETYPE, or null when unset (OpenBLAS then guesses)
 */
public record HostFacts(String cpuModel, int cores, double memTotalMb, String allocator, String openblasCoretype) {

    public static HostFacts current() {
        String preload = System.getenv("LD_PRELOAD");
        return new HostFacts(readCpuModel(), Runtime.getRuntime().availableProcessors(), MemoryProbe.totalBytes() / (1024.0 * 1024.0),
                allocator(preload), System.getenv("OPENBLAS_CORETYPE"));
    }

    private static String allocator(String preload) {
        if (preload == null) {
            return "glibc";
        }
        return preload.contains("tcmalloc") ? "tcmalloc" : preload.contains("jemalloc") ? "jemalloc" : "glibc";
    }

    private static String readCpuModel() {
        try (var lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("model name")).map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst()
                    .orElse("unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
