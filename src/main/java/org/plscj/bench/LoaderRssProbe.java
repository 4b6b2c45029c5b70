package org.plscj.bench;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import org.plscj.io.MemoryProbe;
import org.plscj.data.Augmentation;
import org.plscj.data.ImageDecoder;
import org.plscj.data.ShardLoader;

/**
 * Run in a fresh JVM by {@link DataScaleBenchmark}: the RSS of a {@link ShardLoader} over a big data set above the
 * same loader over an (almost) empty one, in one process: first the empty loader pulls its batches (so the JVM's
 * heap has grown to what decoding and prefetching need) and is closed, then the big one is opened and pulls as
 * many. Each figure is taken after full GCs, so what it shows is what the loader keeps alive, not garbage.
 *
 * <p>Arguments: empty data dir, big data dir, order ({@code per_rank} or {@code global}), rank, world size,
 * batch, batches, image side. Prints one line {@code RSS <empty after batches MiB> <big after opening MiB>
 * <big after batches MiB> <empty records> <big records> <empty live heap MiB> <big live heap MiB>}, the live heaps
 * (used after a full GC) after the batches: the figure the JVM's heap sizing does not blur.
 */
public final class LoaderRssProbe {
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
        double[] empty = run(Path.of(args[0]), options, batches);
        double[] big = run(Path.of(args[1]), options, batches);
        System.out.printf("RSS %.3f %.3f %.3f %d %d %.3f %.3f%n", empty[1], big[0], big[1], (long) empty[2], (long) big[2],
                empty[3], big[3]);
    }

    /** RSS after opening, RSS after the batches (prefetch queues full), records held, live heap after the batches. */
    private static double[] run(Path dir, ShardLoader.Options options, int batches) throws Exception {
        try (ShardLoader loader = ShardLoader.open(dir, options)) {
            double open = settledRssMb();
            for (int b = 0; b < batches; b++) {
                loader.next();
            }
            Thread.sleep(500); // the decode threads refill the prefetch queues: measure them full
            double after = settledRssMb();
            double live = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / (1024.0 * 1024.0);
            return new double[] {open, after, loader.shardSize(), live};
        }
    }

    private static double settledRssMb() {
        System.gc();
        System.gc();
        return MemoryProbe.rssMb();
    }
}
