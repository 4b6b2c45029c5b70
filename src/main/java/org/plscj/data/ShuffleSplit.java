package org.plscj.data;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * External-memory global shuffle of a PLSC data directory into one file per rank, like PLSC's
 * preprocessing tool but deterministic for a seed, bounded in memory, and never touching the sources.
 *
 * <p>Lines are scattered into B temporary bucket files by a seeded generator (B chosen from the input
 * size so one bucket fits the memory budget); each bucket is then shuffled in memory and the buckets'
 * concatenation is dealt round-robin to {@code part-00000 … part-<N-1>}. A uniformly random bucket
 * choice followed by a uniform shuffle of each bucket is a uniform shuffle of the whole. Every file gets
 * ⌈n/N⌉ lines, the shortfall padded with repeats of the first lines of the shuffled stream (random
 * samples, as in PLSC), or ⌊n/N⌋ lines with drop-remainder. Lines are copied byte for byte.
 */
public final class ShuffleSplit {
    /** Open bucket files at once: well under the usual 1024 file descriptors. */
    static final int MAX_BUCKETS = 1000;
    /** A line held as a Java String costs its bytes plus ~60 bytes of headers and list slot: budget 2×. */
    private static final int MEMORY_FACTOR = 2;

    /**
     * @param nranks        output files N
     * @param seed          seed of the scatter, the shuffles and hence the padding
     * @param memoryBytes   budget for the lines held in memory (one bucket)
     * @param dropRemainder ⌊n/N⌋ lines per file instead of padding to ⌈n/N⌉
     * @param skipBad       skip and count bad records instead of failing
     */
    public record Config(int nranks, long seed, long memoryBytes, boolean dropRemainder, boolean skipBad) {}

    /** What a run did: records read, buckets used, lines per output file, padding lines added, bad records skipped. */
    public record Result(long records, int buckets, long linesPerFile, long padding, BadRecords bad) {}

    private ShuffleSplit() {}

    /** Shuffles {@code source} into the new directory {@code out} (refused when it exists). */
    public static Result run(Path source, Path out, Config config) throws IOException {
        if (config.nranks() < 1) {
            throw new IllegalArgumentException("--nranks must be at least 1, not " + config.nranks());
        }
        PlscDataset dataset = PlscDataset.open(source);
        int buckets = bucketCount(dataset.totalBytes(), config.memoryBytes());
        try (AtomicDirectory target = AtomicDirectory.begin(out)) {
            Path bucketDir = Files.createDirectory(target.path().resolve(".buckets"));
            List<Path> bucketFiles = new ArrayList<>();
            for (int b = 0; b < buckets; b++) {
                bucketFiles.add(bucketDir.resolve(String.format("bucket-%05d", b)));
            }
            Random random = new Random(config.seed());
            long[] n = {0};
            BadRecords bad = scatter(dataset, bucketFiles, random, config.skipBad(), n);
            long perFile = linesPerFile(n[0], config);
            deal(bucketFiles, target.path(), config.nranks(), perFile * config.nranks(), random);
            Files.delete(bucketDir);
            target.commit();
            return new Result(n[0], buckets, perFile, Math.max(0, perFile * config.nranks() - n[0]), bad);
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

    /** Writes each valid line to a random bucket; counts the lines in {@code count[0]}. */
    private static BadRecords scatter(PlscDataset dataset, List<Path> bucketFiles, Random random, boolean skipBad,
            long[] count) throws IOException {
        List<BufferedWriter> writers = new ArrayList<>();
        try {
            for (Path file : bucketFiles) {
                writers.add(Files.newBufferedWriter(file, StandardCharsets.UTF_8));
            }
            return dataset.scan(new PlscDataset.ReadOptions(0, skipBad), (record, text) -> {
                BufferedWriter w = writers.get(random.nextInt(writers.size()));
                w.write(text);
                w.write('\n');
                count[0]++;
            });
        } finally {
            for (BufferedWriter w : writers) {
                w.close();
            }
        }
    }

    /** Math.ceilDiv arrived in Java 18; this is Java 17. Non-negative arguments only. */
    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    /**
     * Shuffles each bucket in turn (only one in memory) and deals its lines round-robin until
     * {@code total} lines are written, padding with the first lines of the shuffled stream.
     */
    private static void deal(List<Path> bucketFiles, Path outDir, int nranks, long total, Random random)
            throws IOException {
        List<SyncedFile> parts = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<String> padPool = new ArrayList<>();
        try {
            for (int r = 0; r < nranks; r++) {
                names.add(String.format("part-%05d", r));
                parts.add(SyncedFile.create(outDir.resolve(names.get(r))));
            }
            long written = 0;
            for (Path bucket : bucketFiles) {
                List<String> lines = Files.readAllLines(bucket, StandardCharsets.UTF_8);
                Files.delete(bucket);
                Collections.shuffle(lines, random);
                for (String line : lines) {
                    if (written < total) {
                        parts.get((int) (written++ % nranks)).writeLine(line);
                    }
                    // The padding is at most nranks − 1 lines, so keeping its pool is cheap.
                    if (padPool.size() < nranks - 1) {
                        padPool.add(line);
                    }
                }
            }
            for (int j = 0; written < total; j++) {
                parts.get((int) (written++ % nranks)).writeLine(padPool.get(j % padPool.size()));
            }
        } finally {
            for (SyncedFile part : parts) {
                part.close();
            }
        }
        PlscWriter.writeFileList(outDir, names);
    }
}
