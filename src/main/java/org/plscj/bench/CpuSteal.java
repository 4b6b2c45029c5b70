package org.plscj.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A reading of the "steal" time in /proc/stat: CPU time the hypervisor gave to other guests. On a
 * shared VM a timing taken while steal is high says more about the neighbours than about the code,
 * so the benchmarks report it beside their timings.
 */
public record CpuSteal(long steal, long total) {
    public static CpuSteal now() {
        try {
            String cpu = Files.readAllLines(Path.of("/proc/stat")).get(0);
            String[] f = cpu.trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < f.length; i++) {
                total += Long.parseLong(f[i]);
            }
            // fields: user nice system idle iowait irq softirq steal guest guest_nice
            return new CpuSteal(f.length > 8 ? Long.parseLong(f[8]) : 0, total);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /proc/stat (the benchmarks need Linux's /proc)", e);
        }
    }

    /** Percent of all CPU time between {@code before} and this reading that was stolen. */
    public double percentSince(CpuSteal before) {
        long dt = total - before.total;
        return dt <= 0 ? 0 : 100.0 * (steal - before.steal) / dt;
    }
}
