package org.plscj.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;
import org.plscj.io.MemoryProbe;
import org.plscj.data.Augmentation;
import org.plscj.data.ImageDecoder;
import org.plscj.data.PlscDataset;
import org.plscj.data.PlscWriter;
import org.plscj.data.ShardLoader;
import org.plscj.data.ShuffleSplit;

/**
 * The data path's throughput on synthetic JPEGs: decode + augment through {@link ShardLoader}, the
 * external {@link ShuffleSplit}, and, measured beside it, the disk's plain sequential read and write.
 */
public final class DataBenchmark {
    /** Bytes per MB in the throughput figures (decimal, like disk vendors and dd). */
    public static final double MB = 1e6;
    private static final int IO_BUFFER = 1 << 20;
    private static final int CLASSES = 1000;
    private static final int GENERATE_CHUNK = 1000;
    /** Per-pixel noise amplitude: makes the JPEGs about 3–6 KB at ImageIO's default quality, like face crops. */
    private static final int NOISE = 12;

    private DataBenchmark() {}

    /** What {@link #generate} wrote. */
    public record Dataset(Path dir, int images, long bytes, double meanJpegBytes) {}

    /** Decode + augment over one epoch. */
    public record DecodeResult(int images, double openMs, double seconds, double imagesPerSecond, double waitShare,
            double stealPct) {}

    /** Shuffle-split, with the disk's sequential rates measured in the same run. */
    public record ShuffleResult(long records, int buckets, ShuffleSplit.BucketContents bucketContents, long memoryBytes, double seconds, double mbPerSecond,
            double readMbPerSecond, double writeMbPerSecond, double rssBeforeMb, double peakRssMb, boolean peakFromKernel,
            double stealPct) {}

    /**
     * Writes {@code images} synthetic {@code size}×{@code size} JPEGs (random shapes, a gradient and
     * mild noise; image {@code i} depends only on {@code seed} and {@code i}) with labels {@code i % 1000}
     * into {@code files} data files of a new PLSC base64 directory {@code dir}.
     */
    public static Dataset generate(Path dir, int images, int size, int files, long seed) throws IOException {
        long jpegBytes = 0;
        int perFile = (images + files - 1) / files;
        try (PlscWriter writer = PlscWriter.create(dir)) {
            for (int start = 0; start < images; start += GENERATE_CHUNK) {
                int end = Math.min(images, start + GENERATE_CHUNK);
                // why parallel: encoding is the slow part and each image is a pure function of (seed, i)
                byte[][] chunk = IntStream.range(start, end).parallel().mapToObj(i -> jpeg(size, seed, i)).toArray(byte[][]::new);
                for (int i = start; i < end; i++) {
                    if (i % perFile == 0) {
                        writer.startFile(String.format("part-%05d", i / perFile));
                    }
                    byte[] image = chunk[i - start];
                    jpegBytes += image.length;
                    writer.write(image, i % CLASSES);
                }
            }
        }
        return new Dataset(dir, images, PlscDataset.open(dir).totalBytes(), (double) jpegBytes / images);
    }

    static byte[] jpeg(int size, long seed, int index) {
        SplittableRandom rng = new SplittableRandom(seed * 1_000_003L + index);
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setPaint(new java.awt.GradientPaint(0, 0, color(rng), size, size, color(rng)));
        g.fillRect(0, 0, size, size);
        int shapes = 6 + rng.nextInt(10);
        for (int s = 0; s < shapes; s++) {
            g.setColor(color(rng));
            int x = rng.nextInt(size), y = rng.nextInt(size), w = 8 + rng.nextInt(size / 2), h = 8 + rng.nextInt(size / 2);
            switch (rng.nextInt(3)) {
                case 0 -> g.fillOval(x - w / 2, y - h / 2, w, h);
                case 1 -> g.fillRect(x - w / 2, y - h / 2, w, h);
                default -> {
                    g.setStroke(new BasicStroke(1 + rng.nextInt(4)));
                    g.drawLine(x, y, rng.nextInt(size), rng.nextInt(size));
                }
            }
        }
        g.dispose();
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                int rgb = img.getRGB(x, y);
                int d = rng.nextInt(2 * NOISE + 1) - NOISE;
                img.setRGB(x, y, (clamp(((rgb >> 16) & 255) + d) << 16) | (clamp(((rgb >> 8) & 255) + d) << 8) | clamp((rgb & 255) + d));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        try {
            if (!ImageIO.write(img, "jpg", out)) {
                throw new IllegalStateException("no JPEG writer in this JRE");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static Color color(SplittableRandom rng) {
        return new Color(rng.nextInt(256), rng.nextInt(256), rng.nextInt(256));
    }

    private static int clamp(int v) {
        return Math.max(0, Math.min(255, v));
    }

    /** Pulls one epoch of batches from a {@link ShardLoader} (rank 0 of 1, {@link Augmentation#DEFAULT}). */
    public static DecodeResult decode(Path dir, int batch, int threads, long seed) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        ShardLoader.Options options = ShardLoader.Options.of(0, 1, batch, seed, Augmentation.DEFAULT, ImageDecoder.plsc())
                .withDecodeThreads(threads);
        try (ShardLoader loader = ShardLoader.open(dir, options)) {
            double openMs = Timing.millisSince(t0);
            CpuSteal before = CpuSteal.now();
            long start = System.nanoTime();
            int batches = loader.batchesPerEpoch();
            long sink = 0;
            for (int b = 0; b < batches; b++) {
                sink += loader.next().labels()[0];
            }
            long nanos = System.nanoTime() - start;
            double steal = CpuSteal.now().percentSince(before);
            if (sink < 0) {
                throw new AssertionError();
            }
            int images = batches * batch;
            double seconds = nanos / 1e9;
            return new DecodeResult(images, openMs, seconds, images / seconds, (double) loader.waitNanos() / nanos, steal);
        }
    }

    /**
     * Shuffle-splits {@code dataset} into {@code ranks} files under the new directory {@code out} with a
     * budget of {@code memoryBytes}; then reads the dataset's files sequentially and writes as many
     * bytes to a new file in {@code scratch} (FileChannel, force()). Peak RSS is the kernel's VmHWM
     * after resetting it (/proc/self/clear_refs), else the largest VmRSS sampled every 5 ms.
     */
    public static ShuffleResult shuffle(Dataset dataset, Path out, Path scratch, int ranks, long memoryBytes, long seed,
            ShuffleSplit.BucketContents contents) throws IOException, InterruptedException {
        System.gc();
        double rssBefore = MemoryProbe.rssMb();
        boolean kernelPeak = resetPeakRss();
        RssSampler sampler = new RssSampler();
        sampler.start();
        CpuSteal before = CpuSteal.now();
        long start = System.nanoTime();
        ShuffleSplit.Result result;
        try {
            result = ShuffleSplit.run(dataset.dir(), out, new ShuffleSplit.Config(ranks, seed, memoryBytes, false, false)
                    .withBucketContents(contents));
        } finally {
            sampler.stopAndJoin();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        double peak = kernelPeak ? MemoryProbe.peakRssMb() : sampler.maxMb();
        double read = sequentialReadMbPerSecond(dataset.dir());
        double write = sequentialWriteMbPerSecond(scratch.resolve("seq-write.bin"), dataset.bytes());
        double steal = CpuSteal.now().percentSince(before);
        return new ShuffleResult(result.records(), result.buckets(), result.bucketContents(), memoryBytes, seconds, dataset.bytes() / MB / seconds,
                read, write, rssBefore, Math.max(peak, sampler.maxMb()), kernelPeak, steal);
    }

    /** Reads every data file of {@code dir} once with a 1 MB buffer; MB/s (the page cache may serve it). */
    static double sequentialReadMbPerSecond(Path dir) throws IOException {
        ByteBuffer buf = ByteBuffer.allocateDirect(IO_BUFFER);
        long bytes = 0;
        long start = System.nanoTime();
        for (Path file : PlscDataset.open(dir).files()) {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                for (int n = ch.read(buf); n >= 0; n = ch.read(buf)) {
                    bytes += n;
                    buf.clear();
                }
            }
        }
        return bytes / MB / ((System.nanoTime() - start) / 1e9);
    }

    /** Writes {@code bytes} to the new file {@code file} in 1 MB writes, then force(); MB/s including the force. Deletes the file. */
    static double sequentialWriteMbPerSecond(Path file, long bytes) throws IOException {
        ByteBuffer buf = ByteBuffer.allocateDirect(IO_BUFFER);
        SplittableRandom rng = new SplittableRandom(1);
        while (buf.hasRemaining()) {
            buf.put((byte) rng.nextInt(256));
        }
        long start = System.nanoTime();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            long left = bytes;
            while (left > 0) {
                buf.clear();
                buf.limit((int) Math.min(IO_BUFFER, left));
                while (buf.hasRemaining()) {
                    left -= ch.write(buf);
                }
            }
            ch.force(true);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Files.delete(file);
        return bytes / MB / seconds;
    }

    /** Resets VmHWM to the current RSS (Linux ≥ 4.0); false where the kernel refuses. */
    private static boolean resetPeakRss() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static final class RssSampler extends Thread {
        private volatile boolean stop;
        private volatile double max;

        RssSampler() {
            super("plscj-rss-sampler");
            setDaemon(true);
        }

        @Override
        public void run() {
            while (!stop) {
                max = Math.max(max, MemoryProbe.rssMb());
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        void stopAndJoin() throws InterruptedException {
            stop = true;
            join();
            max = Math.max(max, MemoryProbe.rssMb());
        }

        double maxMb() {
            return max;
        }
    }
}
