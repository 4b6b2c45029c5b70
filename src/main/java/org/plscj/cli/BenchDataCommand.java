package org.plscj.cli;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.plscj.bench.BenchReport;
import org.plscj.bench.DataBenchmark;
import org.plscj.bench.DataScaleBenchmark;
import org.plscj.bench.DataBenchmark.Dataset;
import org.plscj.bench.DataBenchmark.DecodeResult;
import org.plscj.bench.DataBenchmark.ShuffleResult;
import org.plscj.bench.HostFacts;
import org.plscj.data.ShuffleSplit;
import org.plscj.data.ImageDecoder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
        name = "data",
        mixinStandardHelpOptions = true,
        description = {
            "The data path's throughput: decode + augment, and the shuffle-split, beside the disk.",
            "",
            "Generates N synthetic 112x112 JPEGs (fixed seed; not timed) as a PLSC base64 dataset",
            "of 4 data files, then measures:",
            "  decode: one epoch of ShardLoader batches (rank 0 of 1, batch 128, mirror p=0.5,",
            "          --threads decode threads): images/s and the share of time next() waited;",
            "  shuffle: ShuffleSplit into 4 ranks with a memory budget of 1/8 of the dataset",
            "          (several buckets): input MB/s and peak RSS during it; beside it the disk's",
            "          sequential read (1 MB buffer; the page cache likely holds the files, so",
            "          optimistic) and write (FileChannel, force() included) of as many bytes.",
            "With --records N, the data set at scale: N records of small JPEGs (--record-size, cycled from",
            "1,024 distinct ones, 8 data files) built once under --cache-dir and reused; it measures the",
            "offset index build and the cached open, the loader's RSS in a fresh JVM per order (rank 0 of 2,",
            "after opening and after 200 batches of 128, 112x112 decoded) above the same loader over 2,048",
            "records run first in that JVM,",
            "and the shuffle-split runs on the N records instead.",
            "Prints a table, then one line 'BENCH_JSON {...}'.",
            "",
            "  plsc bench data --images 20000",
            "  plsc bench data --images 2000 --threads 2 --work-dir /tmp/bd",
            "  plsc bench data --records 5000000 --work-dir /data/bd --cache-dir /data/bd-cache"
        })
final class BenchDataCommand implements Callable<Integer> {
    private static final long SEED = 42;
    private static final int FILES = 4;
    private static final int RANKS = 4;
    private static final int BATCH = 128;
    private static final int MEMORY_FRACTION = 8;

    @Option(names = "--images", defaultValue = "20000", description = "Synthetic images N (default ${DEFAULT-VALUE}).")
    int images;

    @Option(names = "--size", defaultValue = "112",
            description = "Image side in pixels (default ${DEFAULT-VALUE}; the decoder takes 112, resizing others).")
    int size;

    @Option(names = "--threads", defaultValue = "0", description = "Decode threads; 0 = the cores available (default).")
    int threads;

    @Option(names = "--work-dir", paramLabel = "DIR",
            description = "Where to write the dataset and the split (kept); default a temp dir, deleted after.")
    Path workDir;

    @Option(names = "--json-out", paramLabel = "FILE", description = "Also write the JSON object to FILE.")
    Path jsonOut;

    @Option(names = "--bucket-contents", defaultValue = "AUTO",
            description = "What shuffle-split's buckets hold (AUTO, LINES, OFFSETS; as plsc data shuffle-split). Default ${DEFAULT-VALUE}.")
    ShuffleSplit.BucketContents bucketContents;

    @Option(names = "--records", defaultValue = "0", description = "Also measure at scale with N records (default: off).")
    long records;

    @Option(names = "--record-size", defaultValue = "16", description = "Image side of the scale data set (default ${DEFAULT-VALUE}).")
    int recordSize;

    @Option(names = "--cache-dir", paramLabel = "DIR",
            description = "Where the scale data set is built and reused (default ~/.cache/plscj/bench-data).")
    Path cacheDir;

    private static final int SCALE_FILES = 8;
    private static final int EMPTY_RECORDS = 2048;
    private static final int PROBE_BATCHES = 200;

    @Override
    public Integer call() throws IOException, InterruptedException {
        require(images >= BATCH, "--images must be at least one batch (" + BATCH + "), got " + images);
        require(size >= 8, "--size must be >= 8, got " + size);
        require(threads >= 0, "--threads must be >= 0, got " + threads);
        System.setProperty("java.awt.headless", "true");
        int decodeThreads = threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
        boolean temporary = workDir == null;
        Path dir = temporary ? Files.createTempDirectory("plsc-bench-data-") : Files.createDirectories(workDir);
        try {
            Path data = dir.resolve("dataset");
            Path split = dir.resolve("split");
            require(!Files.exists(data) && !Files.exists(split), dir + " already holds dataset/ or split/: use an empty --work-dir");
            long t = System.nanoTime();
            Dataset dataset = DataBenchmark.generate(data, images, size, FILES, SEED);
            double generateS = (System.nanoTime() - t) / 1e9;
            DecodeResult decode = DataBenchmark.decode(data, BATCH, decodeThreads, SEED);
            Scale scale = records > 0 ? scale() : null;
            Dataset shuffled = scale != null ? scale.dataset() : dataset;
            long budget = Math.max(1, shuffled.bytes() / MEMORY_FRACTION);
            ShuffleResult shuffle = DataBenchmark.shuffle(shuffled, split, dir, RANKS, budget, SEED, bucketContents);
            BenchReport report = describe(dataset, generateS, decodeThreads, decode, shuffle);
            if (scale != null) {
                describeScale(report, scale);
            }
            report.figure("shuffle_vs_write_ratio", "shuffle-split / sequential write (target >= 0.5)",
                    shuffle.mbPerSecond() / shuffle.writeMbPerSecond(), "");
            publish(report);
        } finally {
            if (temporary) {
                deleteTree(dir);
            }
        }
        return 0;
    }

    private record Scale(Dataset dataset, double buildS, DataScaleBenchmark.IndexResult index,
            DataScaleBenchmark.Rss perRank, DataScaleBenchmark.Rss global) {}

    private Scale scale() throws IOException, InterruptedException {
        require(recordSize >= 8, "--record-size must be >= 8, got " + recordSize);
        Path base = cacheDir != null ? cacheDir
                : Path.of(System.getProperty("user.home"), ".cache", "plscj", "bench-data");
        Path big = base.resolve(String.format("records-%d-size-%d", records, recordSize));
        Path small = base.resolve(String.format("records-%d-size-%d", EMPTY_RECORDS, recordSize));
        long t = System.nanoTime();
        Dataset dataset = DataScaleBenchmark.records(big, records, recordSize, SCALE_FILES, SEED);
        double buildS = (System.nanoTime() - t) / 1e9;
        DataScaleBenchmark.records(small, EMPTY_RECORDS, recordSize, SCALE_FILES, SEED);
        DataScaleBenchmark.IndexResult index = DataScaleBenchmark.index(big);
        DataScaleBenchmark.index(small);
        return new Scale(dataset, buildS, index,
                DataScaleBenchmark.probe(small, big, "per_rank", 0, 2, BATCH, PROBE_BATCHES),
                DataScaleBenchmark.probe(small, big, "global", 0, 2, BATCH, PROBE_BATCHES));
    }

    private void describeScale(BenchReport report, Scale scale) {
        double mib = 1024.0 * 1024.0;
        report.section(String.format("at scale: %,d records of %dx%d JPEGs (%d distinct), %d data files", records,
                        recordSize, recordSize, DataScaleBenchmark.POOL, SCALE_FILES))
                .figure("records", "records", records, "records")
                .figure("scale_dataset_mb", "data set size (base64 text)", scale.dataset().bytes() / DataBenchmark.MB, "MB")
                .figure("scale_build_s", "data set generation or reuse (not a result)", scale.buildS(), "s")
                .figure("index_build_s", "open with no index: build all offset indexes", scale.index().buildSeconds(), "s")
                .figure("index_cached_open_s", "open with the indexes cached", scale.index().cachedOpenSeconds(), "s");
        double worst = 0;
        double target = 64 + 32.0 * records / mib;
        for (String order : new String[] {"per_rank", "global"}) {
            DataScaleBenchmark.Rss rss = order.equals("global") ? scale.global() : scale.perRank();
            BenchReport section = report.section(String.format(
                    "loader memory, %s order, rank 0 of 2 (one fresh JVM: %,d records above %,d, both after %d batches)",
                    order, rss.records(), (long) rss.get("empty_records"), PROBE_BATCHES));
            for (String what : new String[] {"rss", "anon"}) {
                String name = what.equals("rss") ? "RSS" : "anonymous RSS (no library code pages)";
                double openDelta = rss.above("open", what);
                double afterDelta = rss.above("after", what);
                worst = Math.max(worst, Math.max(openDelta, afterDelta));
                section.figure(order + "_" + what + "_empty_mb", "empty loader (warmed): " + name, rss.get("empty_" + what), "MiB")
                        .figure(order + "_" + what + "_open_above_mb", name + " above it, after opening", openDelta, "MiB")
                        .figure(order + "_" + what + "_after_above_mb", name + " above it, after the batches", afterDelta, "MiB")
                        .figure(order + "_" + what + "_bytes_per_record", "that per record held", afterDelta * mib / rss.records(), "B");
            }
            section.figure(order + "_rss_target_mb", "target: 64 MiB + 32 B per data set record", target, "MiB")
                    .figure(order + "_committed_heap_above_mb", "committed heap above the empty loader's", rss.above("after", "committed"), "MiB")
                    .figure(order + "_live_heap_above_mb", "live heap (used after full GC) above the empty loader's",
                            rss.above("after", "live"), "MiB")
                    .figure(order + "_live_heap_bytes_per_record", "that per record held", rss.above("after", "live") * mib / rss.records(), "B");
        }
        report.figure("loader_rss_mb", "loader RSS above empty, worst order, moment and measure", worst, "MiB")
                .figure("loader_rss_target_mb", "target: 64 MiB + 32 B per data set record", target, "MiB");
    }

    private BenchReport describe(Dataset dataset, double generateS, int decodeThreads, DecodeResult decode, ShuffleResult shuffle) {
        HostFacts host = HostFacts.current();
        BenchReport report = new BenchReport()
                .fact("impl", "plsc-j").fact("images", images).fact("size", size).fact("decode_size", ImageDecoder.PLSC_SIZE)
                .fact("batch", BATCH).fact("threads", decodeThreads).fact("data_files", FILES).fact("ranks", RANKS)
                .fact("seed", SEED).fact("date", OffsetDateTime.now().truncatedTo(ChronoUnit.SECONDS).toString())
                .fact("cpu_model", host.cpuModel()).fact("cores", host.cores()).fact("mem_total_mb", Math.round(host.memTotalMb()))
                .fact("allocator", host.allocator()).fact("page_cache_dropped", false)
                .fact("shuffle_bucket_contents", shuffle.bucketContents().name());
        report.section(String.format("plsc bench data: %,d synthetic %dx%d JPEGs, %d decode threads, %d cores", images, size, size,
                decodeThreads, host.cores()))
                .figure("dataset_mb", "dataset size (base64 text)", dataset.bytes() / DataBenchmark.MB, "MB")
                .figure("jpeg_bytes_mean", "JPEG size, mean", Math.round(dataset.meanJpegBytes()), "B")
                .figure("generate_s", "generation (not timed as a result)", generateS, "s");
        report.section(String.format("decode + augment (ShardLoader, batch %d, mirror p=0.5, one epoch)", BATCH))
                .figure("decode_images", "images decoded", decode.images(), "images")
                .figure("decode_open_ms", "open (read + parse the shard)", decode.openMs(), "ms")
                .figure("decode_s", "time pulling the batches", decode.seconds(), "s")
                .figure("decode_images_per_s", "throughput (target >= 2,000 on 2 cores)", decode.imagesPerSecond(), "img/s")
                .figure("decode_wait_share", "share of that time next() waited", decode.waitShare(), "")
                .figure("decode_cpu_steal_pct", "CPU steal during it (VM neighbours)", decode.stealPct(), "%");
        report.section(String.format("shuffle-split (%d ranks, memory budget 1/%d of the dataset)", RANKS, MEMORY_FRACTION))
                .figure("shuffle_records", "records", shuffle.records(), "records")
                .figure("shuffle_buckets", "buckets (holding " + shuffle.bucketContents().name().toLowerCase(Locale.ROOT) + ")",
                        shuffle.buckets(), "")
                .figure("shuffle_memory_mb", "memory budget", shuffle.memoryBytes() / DataBenchmark.MB, "MB")
                .figure("shuffle_s", "time", shuffle.seconds(), "s")
                .figure("shuffle_mb_per_s", "throughput (input bytes)", shuffle.mbPerSecond(), "MB/s")
                .figure("disk_read_mb_per_s", "sequential read, 1 MB buffer (page cache!)", shuffle.readMbPerSecond(), "MB/s")
                .figure("disk_write_mb_per_s", "sequential write + force()", shuffle.writeMbPerSecond(), "MB/s")
                .figure("shuffle_rss_before_mb", "RSS before the shuffle", shuffle.rssBeforeMb(), "MiB")
                .figure("shuffle_peak_rss_mb", shuffle.peakFromKernel() ? "peak RSS during it (VmHWM, reset before)"
                        : "peak RSS during it (sampled every 5 ms)", shuffle.peakRssMb(), "MiB")
                .figure("shuffle_cpu_steal_pct", "CPU steal during shuffle + disk (VM neighbours)", shuffle.stealPct(), "%");
        return report;
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    private void publish(BenchReport report) throws IOException {
        System.out.println(report.table());
        System.out.println("BENCH_JSON " + report.json());
        if (jsonOut != null) {
            Files.writeString(jsonOut, report.json() + System.lineSeparator());
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
