package org.plscj.bench;

import java.nio.file.Path;
import org.plscj.data.Augmentation;
import org.plscj.data.ImageDecoder;
import org.plscj.data.ShardLoader;

/**
 * Run in a fresh JVM by {@link DataScaleBenchmark}: opens a {@link ShardLoader} and prints its process's RSS
 * before opening, after opening and after pulling some batches, so each measurement starts from a clean heap.
 * Each figure is taken after a full GC (which lets the JVM return unused heap): what stays is what the loader
 * keeps alive (its per-record arrays, the buffered batches), not garbage the collector has not reached yet.
 *
 * <p>Arguments: data dir, order ({@code per_rank} or {@code global}), rank, world size, batch, batches, image side.
 * Prints one line {@code RSS <before MiB> <open MiB> <after MiB> <records held>}.
 */
public final class LoaderRssProbe {
    private LoaderRssProbe() {}

    public static void main(String[] args) throws Exception {
        System.setProperty("java.awt.headless", "true");
        Path dir = Path.of(args[0]);
        boolean global = "global".equals(args[1]);
        int rank = Integer.parseInt(args[2]);
        int world = Integer.parseInt(args[3]);
        int batch = Integer.parseInt(args[4]);
        int batches = Integer.parseInt(args[5]);
        int side = Integer.parseInt(args[6]);
        // why resize: the scale data set's images are small to keep 5M records on one disk; the decoder still
        // produces the 112×112 training input, so the batches cost what training's do
        ImageDecoder decoder = new ImageDecoder(side, side, true);
        double before = settledRssMb();
        ShardLoader.Options options = ShardLoader.Options.of(rank, world, batch, 42, Augmentation.DEFAULT, decoder)
                .withGlobalOrder(global);
        try (ShardLoader loader = ShardLoader.open(dir, options)) {
            double open = settledRssMb();
            long sink = 0;
            for (int b = 0; b < batches; b++) {
                sink += loader.next().labels()[0];
            }
            Thread.sleep(500); // the decode threads refill the prefetch queues: measure them full
            double after = settledRssMb();
            System.out.printf("RSS %.3f %.3f %.3f %d%n", before, open, after, loader.shardSize() + (sink < 0 ? 1 : 0));
        }
    }

    private static double settledRssMb() {
        System.gc();
        System.gc();
        return MemoryProbe.rssMb();
    }
}
