package org.plscj.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.plscj.io.MemoryProbe;
import org.plscj.data.Augmentation;
import org.plscj.data.ImageDecoder;
import org.plscj.data.ShardLoader;

/**
 * Run in a fresh JVM by {@link DataScaleBenchmark}: the memory of a {@link ShardLoader} over a big data set above the
 * same loader over an (almost) empty one, in one process. The empty loader pulls its batches twice — the first pass
 * warms the process (JIT compilation, libtorch's and the allocator's pools, the decoders' native buffers: tens of
 * MiB that vary between JVMs) and the second is the baseline — then the big one is opened and pulls as many. Each
 * figure is taken after full GCs, so what it shows is what the loader keeps alive, not garbage.
 *
 * <p>Arguments: empty data dir, big data dir, order ({@code per_rank} or {@code global}), rank, world size, batch,
 * batches, image side. Prints one line {@code PROBE key=value …} with, for the baseline ({@code empty_}) after its
 * batches and for the big loader after opening ({@code open_}) and after its batches: RSS, anonymous RSS (without
 * the shared libraries' code pages), live heap (used after a full GC) and committed heap, in MiB, and the records held.
 */
public final class LoaderRssProbe {
    private static final double MIB = 1024.0 * 1024.0;

    private LoaderRssProbe() {}

    public static void main(String[] args) throws Exception {
        System.setProperty("java.awt.headless", "true");
        boolean global = "global".equals(args[2]);
        int rank = Integer.parseInt(args[3]);
        int world = Integer.parseInt(args[4]);
        int batch = Integer.parseInt(args[5]);
        int batches = Integer.parseInt(args[6]);
        int side = Integer.parseInt(args[7]);
        // why resize: the scale data set's images are small to keep 5M records on one disk; the decoder still
        // produces the 112×112 training input, so the batches cost what training's do
        ShardLoader.Options options = ShardLoader.Options.of(rank, world, batch, 42, Augmentation.DEFAULT,
                new ImageDecoder(side, side, true)).withGlobalOrder(global);
        Map<String, Double> figures = new LinkedHashMap<>();
        run(Path.of(args[0]), options, batches, figures, null, null);
        run(Path.of(args[0]), options, batches, figures, null, "empty");
        run(Path.of(args[1]), options, batches, figures, "open", "after");
        StringBuilder line = new StringBuilder("PROBE");
        figures.forEach((k, v) -> line.append(' ').append(k).append('=').append(v));
        System.out.println(line);
    }

    /** Pulls the batches, putting the figures after opening under {@code open}_ and after the batches under {@code after}_ (null: not wanted). */
    private static void run(Path dir, ShardLoader.Options options, int batches, Map<String, Double> figures, String open,
            String after) throws Exception {
        try (ShardLoader loader = ShardLoader.open(dir, options)) {
            if (open != null) {
                measure(figures, open, loader);
            }
            for (int b = 0; b < batches; b++) {
                loader.next();
            }
            Thread.sleep(500); // the decode threads refill the prefetch queues: measure them full
            if (after != null) {
                measure(figures, after, loader);
            }
        }
    }

    private static void measure(Map<String, Double> figures, String prefix, ShardLoader loader) throws InterruptedException {
        System.gc();
        System.gc();
        // why wait: JDK 17's G1 hands the regions a full GC freed back to the OS concurrently, after the GC returns;
        // read at once, the RSS still holds a varying part of them (hundreds of MiB after 19 MB batch arrays)
        double last = MemoryProbe.anonymousRssMb();
        for (int i = 0; i < 100; i++) {
            Thread.sleep(50);
            double now = MemoryProbe.anonymousRssMb();
            if (Math.abs(now - last) < 1 && i >= 4) {
                break;
            }
            last = now;
        }
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        figures.put(prefix + "_rss", MemoryProbe.rssMb());
        figures.put(prefix + "_anon", MemoryProbe.anonymousRssMb());
        figures.put(prefix + "_live", heap.getUsed() / MIB);
        figures.put(prefix + "_committed", heap.getCommitted() / MIB);
        figures.put(prefix + "_records", (double) loader.shardSize());
    }
}
