package org.plscj.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.plscj.data.Augmentation;
import org.plscj.data.ImageDecoder;
import org.plscj.data.PlscDataset;
import org.plscj.data.PlscWriter;
import org.plscj.data.ShardLoader;
import org.plscj.io.FileTrees;

/**
 * The data path at real scale: a synthetic PLSC data set of N records (small JPEGs cycled from a pool, so
 * millions of records fit one disk), the loader's offset index build and cached load, and the loader's
 * resident memory in a fresh JVM per order, above the same loader over an almost empty data set run first in
 * that JVM ({@link LoaderRssProbe}).
 */
public final class DataScaleBenchmark {
    /** Distinct images the N records cycle through. */
    public static final int POOL = 1024;
    private static final int CLASSES = 1000;

    private DataScaleBenchmark() {}

    /** Index build (no index on disk) and cached index load, opening the global-order loader of rank 0 of 1. */
    public record IndexResult(double buildSeconds, double cachedOpenSeconds, long records) {}

    /**
     * One probe's figures, in MiB (see {@link LoaderRssProbe}): {@code empty_*} for the warmed empty loader after its
     * batches, {@code open_*} and {@code after_*} for the big one after opening and after its batches; each with
     * {@code rss}, {@code anon} (anonymous RSS), {@code live} (live heap), {@code committed} (committed heap) and
     * {@code records}.
     */
    public record Rss(Map<String, Double> figures) {
        public double get(String key) {
            Double v = figures.get(key);
            if (v == null) {
                throw new IllegalStateException("the loader probe did not report " + key + ": " + figures);
            }
            return v;
        }

        /** {@code moment_what} of the big loader minus {@code empty_what}. */
        public double above(String moment, String what) {
            return get(moment + "_" + what) - get("empty_" + what);
        }

        public long records() {
            return (long) get("after_records");
        }
    }

    /**
     * The data set of {@code records} records of {@code size}×{@code size} JPEGs in {@code files} data files
     * under {@code dir}, reused when {@code dir} already holds a complete one (its file list is written last).
     */
    public static DataBenchmark.Dataset records(Path dir, long records, int size, int files, long seed) throws IOException {
        if (Files.exists(dir.resolve(PlscDataset.FILE_LIST))) {
            return new DataBenchmark.Dataset(dir, (int) records, PlscDataset.open(dir).totalBytes(), Double.NaN);
        }
        if (Files.exists(dir)) {
            FileTrees.deleteRecursively(dir); // an interrupted build
        }
        String[] pool = IntStream.range(0, POOL).parallel()
                .mapToObj(i -> Base64.getEncoder().encodeToString(DataBenchmark.jpeg(size, seed, i))).toArray(String[]::new);
        long perFile = (records + files - 1) / files;
        long jpegChars = 0;
        try (PlscWriter writer = PlscWriter.create(dir)) {
            for (long i = 0; i < records; i++) {
                if (i % perFile == 0) {
                    writer.startFile(String.format("part-%05d", i / perFile));
                }
                String image = pool[(int) (i % POOL)];
                jpegChars += image.length();
                writer.writeLine(image + '\t' + (i % CLASSES));
            }
        }
        return new DataBenchmark.Dataset(dir, (int) records, PlscDataset.open(dir).totalBytes(), jpegChars * 0.75 / records);
    }

    /** Deletes the data set's offset indexes, then times opening with the index built and with it cached. */
    public static IndexResult index(Path dir) throws IOException, InterruptedException {
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(p -> p.getFileName().toString().endsWith(".idx")).toList()) {
                Files.delete(p);
            }
        }
        ShardLoader.Options options = ShardLoader.Options.of(0, 1, 1, 42, Augmentation.NONE, ImageDecoder.plsc())
                .withGlobalOrder(true).withDecodeThreads(1).withPrefetch(1);
        long t0 = System.nanoTime();
        try (ShardLoader loader = ShardLoader.open(dir, options)) {
            double build = (System.nanoTime() - t0) / 1e9;
            loader.close();
            long t1 = System.nanoTime();
            try (ShardLoader cached = ShardLoader.open(dir, options)) {
                return new IndexResult(build, (System.nanoTime() - t1) / 1e9, cached.shardSize());
            }
        }
    }

    /**
     * Runs {@link LoaderRssProbe} in a new JVM with this JVM's options; the data set's indexes must exist. The probe
     * also gets {@code -XX:MinHeapFreeRatio=5 -XX:MaxHeapFreeRatio=10}: after its full GCs the committed heap then
     * follows the live data, where G1's defaults would keep up to 70 % of the heap free (hundreds of MiB after the
     * 19 MB batch arrays), which would drown the per-record figure in heap sizing noise.
     */
    public static Rss probe(Path empty, Path dir, String order, int rank, int world, int batch, int batches)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.addAll(List.of("-XX:MinHeapFreeRatio=5", "-XX:MaxHeapFreeRatio=10"));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), LoaderRssProbe.class.getName(), empty.toString(),
                dir.toString(),
                order, Integer.toString(rank), Integer.toString(world), Integer.toString(batch), Integer.toString(batches),
                Integer.toString(ImageDecoder.PLSC_SIZE)));
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String result = null;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                if (line.startsWith("PROBE ")) {
                    result = line;
                }
            }
        }
        int exit = process.waitFor();
        if (exit != 0 || result == null) {
            throw new IllegalStateException("the loader probe (" + order + " over " + dir + ") failed with exit code " + exit);
        }
        Map<String, Double> figures = new LinkedHashMap<>();
        for (String pair : result.substring("PROBE ".length()).split(" ")) {
            int eq = pair.indexOf('=');
            figures.put(pair.substring(0, eq), Double.parseDouble(pair.substring(eq + 1)));
        }
        return new Rss(figures);
    }
}
