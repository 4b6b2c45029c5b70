package org.plscj.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.plscj.io.MemoryProbe;

/**
 * Memory figures from Linux's /proc: this process's resident set (now and its high-water mark)
 * and the machine's total and available memory. libtorch allocates outside the Java heap, so
 * the JVM's own memory beans do not see the head's tensors; the kernel's counters do.
 */
public final class MemoryProbe {
    private static final Path PROCESS = Path.of("/proc/self/status");
    private static final Path MACHINE = Path.of("/proc/meminfo");
    private static final double KB_PER_MB = 1024.0;

    private MemoryProbe() {}

    /** Resident set size now (VmRSS), in MiB. */
    public static double rssMb() {
        return kilobytes(PROCESS, "VmRSS") / KB_PER_MB;
    }

    /**
     * The anonymous part of the resident set (RssAnon), in MiB: heaps, stacks, malloc'ed and direct buffers — what a
     * component allocates — without the shared libraries' code pages (RssFile), which the kernel pages in and out as
     * code runs (libtorch's are hundreds of MiB) and may evict at will.
     */
    public static double anonymousRssMb() {
        return kilobytes(PROCESS, "RssAnon") / KB_PER_MB;
    }

    /** Largest resident set size since the process started (VmHWM), in MiB. */
    public static double peakRssMb() {
        return kilobytes(PROCESS, "VmHWM") / KB_PER_MB;
    }

    /** Memory the kernel estimates can be allocated without swapping (MemAvailable), in bytes. */
    public static long availableBytes() {
        return kilobytes(MACHINE, "MemAvailable") * 1024;
    }

    /** Physical memory of the machine (MemTotal), in bytes. */
    public static long totalBytes() {
        return kilobytes(MACHINE, "MemTotal") * 1024;
    }

    /** The value of a {@code Field:   123 kB} line. */
    private static long kilobytes(Path file, String field) {
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.substring(field.length() + 1).replace("kB", "").trim());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + " (the benchmarks need Linux's /proc)", e);
        }
        throw new IllegalStateException(file + " has no " + field + " line");
    }
}
