package org.plscj.data;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.plscj.io.AtomicDirectory;
import org.plscj.io.MemoryProbe;
import org.plscj.progress.Progress;

/**
 * External-memory global shuffle of a PLSC data directory into one file per rank, like PLSC's
 * preprocessing tool but deterministic for a seed, bounded in memory, and never touching the sources.
 *
 * <p>Lines are scattered into B temporary buckets by a seeded generator (B chosen from the input
 * size so one bucket fits the memory budget); each bucket is then loaded and shuffled in memory and the buckets'
 * concatenation is dealt round-robin to {@code part-00000 … part-<N-1>}. A uniformly random bucket
 * choice followed by a uniform shuffle of each bucket is a uniform shuffle of the whole. Every file gets
 * ⌈n/N⌉ lines, the shortfall padded with repeats of the first lines of the shuffled stream (random
 * samples, as in PLSC), or ⌊n/N⌋ lines with drop-remainder. Lines are copied byte for byte (a CRLF's
 * {@code \r} dropped), never turned into strings: the passes scan large buffers for {@code \n} and copy byte
 * ranges. The output is the same, byte for byte, as the string-based implementation's before it. A bucket file
 * holds either copies of its lines ({@link LineBuckets}) or 16 bytes a line saying where each lies in the sources
 * ({@link OffsetBuckets}, lines read back when the bucket is loaded: the input is then written once, not twice);
 * {@link BucketContents#AUTO} takes the second when the input fits the page cache.
 *
 * <p>Memory: one bucket's bytes plus 8 bytes per line of it (line starts and the permutation; with offsets 16 more
 * while it loads), the line checker's two 8 MiB chunks, and write buffers of at most 256 KiB per bucket file and
 * output file.
 */
public final class ShuffleSplit {
    /** Open bucket files at once: well under the usual 1024 file descriptors. */
    static final int MAX_BUCKETS = 1000;
    /**
     * The bucket count's memory factor, kept from the string-based implementation (a String cost ~2× its
     * bytes) because the bucket count decides the output: a bucket's bytes are now held at ~1× plus 8 bytes a line.
     */
    private static final int MEMORY_FACTOR = 2;
    private static final int WRITE_BUFFER_MIN = 8 << 10;
    private static final int WRITE_BUFFER_MAX = 256 << 10;
    private static final String FORCING = "forcing the output to disk";

    /**
     * @param nranks         output files N
     * @param seed           seed of the scatter, the shuffles and hence the padding
     * @param memoryBytes    budget for the lines held in memory (one bucket)
     * @param dropRemainder  ⌊n/N⌋ lines per file instead of padding to ⌈n/N⌉
     * @param skipBad        skip and count bad records instead of failing
     * @param maxLineBytes   a longer line is a bad record ({@link LineScanner#DEFAULT_MAX_LINE_BYTES} by default)
     * @param bucketContents what the temporary buckets hold; the output is the same either way
     */
    public record Config(int nranks, long seed, long memoryBytes, boolean dropRemainder, boolean skipBad,
            int maxLineBytes, BucketContents bucketContents) {
        /** With the default line length limit (64 MiB) and bucket contents chosen from the memory available. */
        public Config(int nranks, long seed, long memoryBytes, boolean dropRemainder, boolean skipBad) {
            this(nranks, seed, memoryBytes, dropRemainder, skipBad, LineScanner.DEFAULT_MAX_LINE_BYTES, BucketContents.AUTO);
        }

        public Config withBucketContents(BucketContents contents) {
            return new Config(nranks, seed, memoryBytes, dropRemainder, skipBad, maxLineBytes, contents);
        }

        public Config withMaxLineBytes(int limit) {
            return new Config(nranks, seed, memoryBytes, dropRemainder, skipBad, limit, bucketContents);
        }
    }

    /** What the scatter's temporary bucket files hold (the output is byte for byte the same with each). */
    public enum BucketContents {
        /**
         * {@link #OFFSETS} when the input is at most half of the memory the kernel says is available (so it stays in
         * the page cache between the scatter and the deal), else {@link #LINES}.
         */
        AUTO,
        /** Copies of the lines: the input is written twice (buckets, then output); for inputs beyond the page cache. */
        LINES,
        /** 16 bytes a line (file, offset, length), the lines re-read from the sources: the input is written once. */
        OFFSETS;

        /** This choice for an input of {@code inputBytes}, with {@code availableBytes} of memory available. */
        BucketContents resolve(long inputBytes, long availableBytes) {
            if (this != AUTO) {
                return this;
            }
            return inputBytes <= availableBytes / 2 ? OFFSETS : LINES;
        }
    }

    /**
     * What a run did: records read, buckets used and what they held, lines per output file, padding lines added, bad
     * records skipped.
     */
    public record Result(long records, int buckets, BucketContents bucketContents, long linesPerFile, long padding,
            BadRecords bad) {}

    private ShuffleSplit() {}

    /** Shuffles {@code source} into the new directory {@code out} (refused when it exists). */
    public static Result run(Path source, Path out, Config config) throws IOException {
        return run(source, out, config, Progress.quiet());
    }

    /** As above, reporting the bytes scattered and then the lines dealt to {@code progress}. */
    public static Result run(Path source, Path out, Config config, Progress progress) throws IOException {
        if (config.nranks() < 1) {
            throw new IllegalArgumentException("--nranks must be at least 1, not " + config.nranks());
        }
        PlscDataset dataset = PlscDataset.open(source);
        int buckets = bucketCount(dataset.totalBytes(), config.memoryBytes());
        BucketContents contents = config.bucketContents().resolve(dataset.totalBytes(), availableMemory());
        try (AtomicDirectory target = AtomicDirectory.begin(out)) {
            Path bucketDir = Files.createDirectory(target.path().resolve(".buckets"));
            List<Path> bucketFiles = new ArrayList<>();
            for (int b = 0; b < buckets; b++) {
                bucketFiles.add(bucketDir.resolve(String.format("bucket-%05d", b)));
            }
            Random random = new Random(config.seed());
            long n;
            BadRecords bad = new BadRecords();
            int buffer = (int) Math.max(WRITE_BUFFER_MIN, Math.min(WRITE_BUFFER_MAX, config.memoryBytes() / 4 / buckets));
            try (ShuffleBuckets store = contents == BucketContents.OFFSETS
                    ? new OffsetBuckets(bucketFiles, dataset.files(), buffer)
                    : new LineBuckets(bucketFiles, buffer)) {
                n = scatter(dataset, store, buckets, random, config, bad, progress);
                long perFile = linesPerFile(n, config);
                deal(store, buckets, target.path(), config.nranks(), perFile * config.nranks(), random, config.memoryBytes(), progress);
                Files.delete(bucketDir);
                target.commit();
                return new Result(n, buckets, contents, perFile, Math.max(0, perFile * config.nranks() - n), bad);
            }
        }
    }

    /** MemAvailable; 0 (so {@link BucketContents#AUTO} keeps the lines) where the kernel does not say. */
    private static long availableMemory() {
        try {
            return MemoryProbe.availableBytes();
        } catch (RuntimeException e) {
            return 0;
        }
    }

    /** The number of buckets so one bucket's lines fit {@code memoryBytes}; at least 1. */
    static int bucketCount(long inputBytes, long memoryBytes) {
        if (memoryBytes <= 0) {
            throw new IllegalArgumentException("the memory budget must be positive");
        }
        long need = Math.max(1, ceilDiv(inputBytes * MEMORY_FACTOR, memoryBytes));
        if (need > MAX_BUCKETS) {
            throw new IllegalArgumentException(String.format(
                    "%d bytes of input need %d buckets at this memory budget (at most %d): raise --memory-mb",
                    inputBytes, need, MAX_BUCKETS));
        }
        return (int) need;
    }

    private static long linesPerFile(long n, Config config) {
        long per = config.dropRemainder() ? n / config.nranks() : ceilDiv(n, config.nranks());
        if (per == 0) {
            throw new IllegalArgumentException(String.format("%d valid records cannot fill %d files%s",
                    n, config.nranks(), config.dropRemainder() ? " with --drop-remainder" : ""));
        }
        return per;
    }

    /** Adds each valid line to a random bucket; returns how many there were. */
    private static long scatter(PlscDataset dataset, ShuffleBuckets buckets, int bucketCount, Random random, Config config,
            BadRecords bad, Progress progress) throws IOException {
        long[] count = {0};
        // bytes before each file, so a line's place in the whole input is starts[file] + offset
        long[] starts = new long[dataset.files().size() + 1];
        for (int f = 0; f < dataset.files().size(); f++) {
            starts[f + 1] = starts[f] + Files.size(dataset.files().get(f));
        }
        try (Progress.Task task = progress.start("shuffle-split: scatter", starts[starts.length - 1], Progress.Unit.BYTES);
                CheckedLines lines = new CheckedLines(config.skipBad(), bad, (buf, start, end, file, offset) -> {
                    buckets.add(random.nextInt(bucketCount), buf, start, end, file, offset);
                    count[0]++;
                    task.advanceTo(starts[file] + offset + end - start);
                })) {
            for (Path file : dataset.files()) {
                lines.scan(file, config.maxLineBytes());
            }
            lines.finish();
            task.advanceTo(starts[starts.length - 1]);
        }
        buckets.scattered();
        return count[0];
    }

    /** Math.ceilDiv arrived in Java 18; this is Java 17. Non-negative arguments only. */
    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    /**
     * Shuffles each bucket in turn (only one in memory) and deals its lines round-robin until
     * {@code total} lines are written, padding with the first lines of the shuffled stream. The shuffle is
     * {@link java.util.Collections#shuffle(List, Random)}'s, draw for draw, over line numbers.
     */
    private static void deal(ShuffleBuckets buckets, int bucketCount, Path outDir, int nranks, long total, Random random,
            long memoryBytes, Progress progress) throws IOException {
        List<SyncedFile> parts = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<byte[]> padPool = new ArrayList<>();
        int buffer = (int) Math.max(WRITE_BUFFER_MIN, Math.min(WRITE_BUFFER_MAX, memoryBytes / 4 / nranks));
        // why: the parts are forced at the end; forcing what each bucket added while the next one is read and
        // shuffled lets the disk write during the CPU work instead of all of it after
        ExecutorService forcer = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "plscj-shuffle-force");
            t.setDaemon(true);
            return t;
        });
        Future<?> forcing = CompletableFuture.completedFuture(null);
        try (Progress.Task task = progress.start("shuffle-split: deal", total, Progress.Unit.LINES)) {
            for (int r = 0; r < nranks; r++) {
                names.add(String.format("part-%05d", r));
                parts.add(SyncedFile.create(outDir.resolve(names.get(r)), buffer));
            }
            long written = 0;
            byte[] bytes = new byte[0];
            int[] starts = new int[0];
            for (int b = 0; b < bucketCount; b++) {
                ShuffleBuckets.Loaded loaded = buckets.load(b, bytes);
                bytes = loaded.bytes();
                int size = loaded.size();
                int lines = 0;
                for (int i = LineScanner.indexOfNewline(bytes, 0, size); i >= 0; i = LineScanner.indexOfNewline(bytes, i + 1, size)) {
                    if (lines + 1 >= starts.length) {
                        starts = Arrays.copyOf(starts, Math.max(1024, 2 * starts.length));
                    }
                    starts[++lines] = i + 1;
                }
                int[] order = new int[lines];
                for (int i = 0; i < lines; i++) {
                    order[i] = i;
                }
                for (int i = lines; i > 1; i--) {
                    int j = random.nextInt(i);
                    int t = order[i - 1];
                    order[i - 1] = order[j];
                    order[j] = t;
                }
                for (int k : order) {
                    int from = starts[k];
                    int length = starts[k + 1] - 1 - from;
                    if (written < total) {
                        parts.get((int) (written++ % nranks)).writeLine(bytes, from, length);
                    }
                    // The padding is at most nranks − 1 lines, so keeping its pool is cheap.
                    if (padPool.size() < nranks - 1) {
                        padPool.add(Arrays.copyOfRange(bytes, from, from + length));
                    }
                }
                task.advanceTo(written);
                if (forcing.isDone()) {
                    join(forcing, FORCING);
                    for (SyncedFile part : parts) {
                        part.flush();
                    }
                    forcing = forcer.submit(() -> {
                        for (SyncedFile part : parts) {
                            part.force();
                        }
                        return null;
                    });
                }
            }
            for (int j = 0; written < total; j++) {
                byte[] line = padPool.get(j % padPool.size());
                parts.get((int) (written++ % nranks)).writeLine(line, 0, line.length);
            }
            task.advanceTo(written);
            join(forcing, FORCING);
        } finally {
            forcer.shutdown();
            awaitQuietly(forcer);
            for (SyncedFile part : parts) {
                part.close();
            }
        }
        PlscWriter.writeFileList(outDir, names);
    }

    /** Waits for background work ({@code doing} names it if this thread is interrupted); its failure is this thread's. */
    static void join(Future<?> future, String doing) throws IOException {
        try {
            future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while " + doing);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    private static void awaitQuietly(ExecutorService executor) {
        try {
            executor.awaitTermination(1, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
