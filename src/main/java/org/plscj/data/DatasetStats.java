package org.plscj.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.plscj.progress.Progress;

/**
 * Counts of a PLSC data directory or an insightface {@code train.rec} directory, read record by record (so
 * computing them validates every line or record): files, images, distinct classes, label range and a histogram
 * of images per class. A {@code train.rec}'s image count comes from its {@code train.idx} ({@link RecordIo#imageKeys}),
 * exact beyond the float32 header's 2^24.
 */
public final class DatasetStats {
    /** Upper edges of the images-per-class histogram buckets: 1, 2–5, 6–20, 21–100, and &gt;100. */
    static final long[] HISTOGRAM_EDGES = {1, 5, 20, 100};

    private final int files;
    private final Map<Integer, Long> perClass;
    private final BadRecords bad;
    private long images;
    private int minLabel = Integer.MAX_VALUE;
    private int maxLabel = Integer.MIN_VALUE;

    private DatasetStats(int files, BadRecords bad) {
        this.files = files;
        this.perClass = new HashMap<>();
        this.bad = bad;
    }

    /**
     * Reads every record of {@code dir}.
     *
     * @throws PlscFormatException at the first bad record unless skip-bad is set
     */
    public static DatasetStats compute(Path dir, PlscDataset.ReadOptions options) throws IOException {
        return compute(dir, options, false);
    }

    /**
     * Reads every record of {@code dir}; with {@code decode}, also decodes every image (any size)
     * so that an image that does not decode is a bad record too (reason BAD_IMAGE).
     *
     * @throws PlscFormatException at the first bad record unless skip-bad is set
     */
    public static DatasetStats compute(Path dir, PlscDataset.ReadOptions options, boolean decode) throws IOException {
        return compute(dir, options, decode, Progress.quiet());
    }

    /** As above, reporting the bytes (records of a {@code train.rec}) read to {@code progress}. */
    public static DatasetStats compute(Path dir, PlscDataset.ReadOptions options, boolean decode, Progress progress)
            throws IOException {
        Optional<Path> rec = RecordIo.recIn(dir);
        PlscDataset dataset = rec.isPresent() ? null : PlscDataset.open(dir);
        Map<Integer, Long> counts = new HashMap<>();
        long[] images = {0};
        int[] range = {Integer.MAX_VALUE, Integer.MIN_VALUE};
        BadRecords undecodable = new BadRecords();
        ImageDecoder decoder = decode ? new ImageDecoder(ImageDecoder.plsc().height(), ImageDecoder.plsc().width(), true) : null;
        PlscDataset.RecordVisitor visitor = (record, text) -> {
            if (decoder != null && !decodes(decoder, record, options.skipBad(), undecodable)) {
                return;
            }
            counts.merge(record.label(), 1L, Long::sum);
            images[0]++;
            range[0] = Math.min(range[0], record.label());
            range[1] = Math.max(range[1], record.label());
        };
        BadRecords bad = rec.isPresent() ? scanRecordIo(rec.get(), options, visitor, progress)
                : dataset.scan(options, visitor, progress, "stats");
        bad.merge(undecodable);
        DatasetStats stats = new DatasetStats(rec.isPresent() ? 1 : dataset.files().size(), bad);
        stats.perClass.putAll(counts);
        stats.images = images[0];
        stats.minLabel = range[0];
        stats.maxLabel = range[1];
        return stats;
    }

    /** Visits the image records of {@code rec} as records whose "line" is the record index; a bad label is a bad record. */
    private static BadRecords scanRecordIo(Path rec, PlscDataset.ReadOptions options, PlscDataset.RecordVisitor visitor,
            Progress progress) throws IOException {
        BadRecords bad = new BadRecords();
        try (RecordIo io = RecordIo.open(rec)) {
            long[] keys = io.imageKeys();
            try (Progress.Task task = progress.start("stats", keys.length, Progress.Unit.RECORDS)) {
                for (long key : keys) {
                    visitRecord(io, rec, key, options, visitor, bad);
                    task.advance(1);
                }
            }
        }
        return bad;
    }

    private static void visitRecord(RecordIo io, Path rec, long key, PlscDataset.ReadOptions options,
            PlscDataset.RecordVisitor visitor, BadRecords bad) throws IOException {
        RecordIo.Image image = io.read(key);
        String where = rec + " record " + key;
        try {
            int label = image.classLabel(where);
            if (options.numClasses() > 0 && label >= options.numClasses()) {
                throw new PlscFormatException(BadReason.LABEL_OUT_OF_RANGE, where + ": label " + label
                        + " ≥ " + options.numClasses());
            }
            visitor.accept(new PlscRecord(rec.toString(), key, image.image(), label), null);
        } catch (PlscFormatException e) {
            if (!options.skipBad()) {
                throw e;
            }
            bad.add(e);
        }
    }

    /** Whether the record's image decodes; a failure throws, or is counted in skip-bad mode. */
    private static boolean decodes(ImageDecoder decoder, PlscRecord record, boolean skipBad, BadRecords undecodable) {
        try {
            decoder.decode(record.image(), record.file() + " line " + record.line(), false);
            return true;
        } catch (PlscFormatException e) {
            PlscFormatException bad = new PlscFormatException(record.file(), record.line(), BadReason.BAD_IMAGE,
                    e.getMessage().substring(e.getMessage().indexOf(": ") + 2));
            if (!skipBad) {
                throw bad;
            }
            undecodable.add(bad);
            return false;
        }
    }

    /** Data files. */
    public int files() {
        return files;
    }

    /** Valid records. */
    public long images() {
        return images;
    }

    /** Distinct labels. */
    public int classes() {
        return perClass.size();
    }

    /** The smallest label; meaningless when there are no images. */
    public int minLabel() {
        return minLabel;
    }

    /** The largest label; meaningless when there are no images. */
    public int maxLabel() {
        return maxLabel;
    }

    /** Bad records skipped. */
    public BadRecords bad() {
        return bad;
    }

    /** Classes per images-per-class bucket; bucket i holds counts in (edge[i−1], edge[i]], the last the rest. */
    public long[] histogram() {
        long[] hist = new long[HISTOGRAM_EDGES.length + 1];
        for (long count : perClass.values()) {
            int i = 0;
            while (i < HISTOGRAM_EDGES.length && count > HISTOGRAM_EDGES[i]) {
                i++;
            }
            hist[i]++;
        }
        return hist;
    }

    /** The human-readable report the {@code data stats} command prints. */
    public String report() {
        StringBuilder out = new StringBuilder();
        out.append(String.format("files    %d%nimages   %d%nclasses  %d%n", files, images, classes()));
        if (images > 0) {
            out.append(String.format("labels   %d … %d%n", minLabel, maxLabel));
        }
        out.append("images per class → classes:\n");
        long[] hist = histogram();
        long lower = 1;
        for (int i = 0; i < hist.length; i++) {
            String range = i == HISTOGRAM_EDGES.length ? ">" + HISTOGRAM_EDGES[i - 1]
                    : lower == HISTOGRAM_EDGES[i] ? Long.toString(lower) : lower + "–" + HISTOGRAM_EDGES[i];
            out.append(String.format("  %-8s %d%n", range, hist[i]));
            lower = i < HISTOGRAM_EDGES.length ? HISTOGRAM_EDGES[i] + 1 : lower;
        }
        return out.append(bad.report()).toString();
    }
}
