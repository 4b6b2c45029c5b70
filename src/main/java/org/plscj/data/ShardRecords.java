package org.plscj.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.LongStream;

/**
 * The records one loader visits, found again on demand: per record only its byte offset, byte length and
 * label, in primitive arrays (16 bytes a record), from the data files' cached {@link RecordIndexFile}s; the
 * image bytes are read with a positioned read when a batch is decoded, and the OS page cache does the rest.
 *
 * <p>Which records (PLSC's contract): over a PLSC directory with exactly {@code worldSize} data files, rank
 * {@code i} takes all of file {@code i}; otherwise every record of every file, in file-list order, is numbered
 * {@code 0..n-1} and rank {@code r} takes those whose number {@code % worldSize == r}, the first {@code n / worldSize}
 * of them. An insightface directory ({@code train.rec} + {@code train.idx}) is one file of image records in
 * {@link RecordIo#imageKeys} order. The file and line (or byte offset) of a record are derived from its position,
 * so messages name them without storing them.
 *
 * <p>Thread-safe for reading ({@link FileChannel} positioned reads).
 */
final class ShardRecords implements AutoCloseable {
    private final List<Path> files;
    private final List<FileChannel> channels;
    private final long[] fileSizes;
    private final boolean recordIo;
    /** Entry i is record number {@code i·stride + phase} of the files read; firstRecord[f] is file f's first number. */
    private final long stride;
    private final long phase;
    private final long[] firstRecord;
    /** Per file, the line numbers of the bad lines left out (skip-bad), ascending; empty almost always. */
    private final long[][] badLines;
    private final long[] offsets;
    private final int[] lengths;
    private final int[] labels;

    private ShardRecords(List<Path> files, boolean recordIo, long stride, long phase, long[] firstRecord, long[][] badLines,
            long[] offsets, int[] lengths, int[] labels) throws IOException {
        this.files = files;
        this.recordIo = recordIo;
        this.stride = stride;
        this.phase = phase;
        this.firstRecord = firstRecord;
        this.badLines = badLines;
        this.offsets = offsets;
        this.lengths = lengths;
        this.labels = labels;
        this.channels = new ArrayList<>();
        this.fileSizes = new long[files.size()];
        try {
            for (int f = 0; f < files.size(); f++) {
                channels.add(FileChannel.open(files.get(f), StandardOpenOption.READ));
                fileSizes[f] = channels.get(f).size();
            }
        } catch (IOException e) {
            close();
            throw e;
        }
    }

    /**
     * The records of {@code rank} of {@code worldSize} in {@code dir} (a PLSC directory or an insightface
     * {@code train.rec} directory), building any missing or stale index (beside the data, else in {@code cacheDir}).
     * With {@code skipBad} a bad line is left out and counted in {@code bad} (the records are then numbered without
     * it); without, the first one is an error naming its file, line and byte offset — also when a cached index built
     * under skip-bad marks it.
     */
    static ShardRecords open(Path dir, int rank, int worldSize, int maxLineBytes, boolean skipBad, BadRecords bad,
            Path cacheDir) throws IOException {
        Optional<Path> rec = RecordIo.recIn(dir);
        List<Path> files;
        List<Path> indexes = new ArrayList<>();
        boolean wholeFile;
        if (rec.isPresent()) {
            files = List.of(rec.get());
            wholeFile = worldSize == 1;
            indexes.add(recordIoIndex(rec.get(), cacheDir));
        } else {
            int listed = PlscDataset.listedFiles(dir, i -> false).size();
            wholeFile = listed == worldSize;
            // why check only the rank's own file when each rank reads one: its machine may hold no other
            List<Path> all = PlscDataset.listedFiles(dir, i -> !wholeFile || i == rank);
            files = wholeFile ? List.of(all.get(rank)) : all;
            for (Path file : files) {
                indexes.add(RecordIndexFile.ensure(file, null, cacheDir, sink -> indexLines(file, maxLineBytes, skipBad, sink)));
            }
        }
        long[] firstRecord = new long[files.size()];
        long[][] badLines = new long[files.size()][];
        long n = 0;
        for (int f = 0; f < files.size(); f++) {
            firstRecord[f] = n;
            badLines[f] = badLines(files.get(f), indexes.get(f), skipBad, bad);
            n += RecordIndexFile.count(indexes.get(f)) - badLines[f].length;
        }
        long stride = wholeFile ? 1 : worldSize;
        long phase = wholeFile ? 0 : rank;
        long keep = wholeFile ? n : n / worldSize;
        if (keep > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(dir + ": " + keep + " records for one worker, more than a Java array holds");
        }
        long[] offsets = new long[(int) keep];
        int[] lengths = new int[(int) keep];
        int[] labels = new int[(int) keep];
        long[] number = {0};
        for (Path index : indexes) {
            RecordIndexFile.read(index, (offset, length, label) -> {
                if (length == RecordIndexFile.BAD_LENGTH) {
                    return;
                }
                long k = number[0]++;
                if (k % stride == phase && k / stride < keep) {
                    int i = (int) (k / stride);
                    offsets[i] = offset;
                    lengths[i] = length;
                    labels[i] = label;
                }
            });
        }
        return new ShardRecords(files, rec.isPresent(), stride, phase, firstRecord, badLines, offsets, lengths, labels);
    }

    /**
     * The line numbers (1-based, ascending) of the bad lines {@code index} marks, each counted in {@code bad}; without
     * {@code skipBad} the first one is an error instead.
     */
    private static long[] badLines(Path file, Path index, boolean skipBad, BadRecords bad) throws IOException {
        LongStream.Builder lines = LongStream.builder();
        long[] lineNo = {0};
        RecordIndexFile.read(index, (offset, length, label) -> {
            lineNo[0]++;
            if (length != RecordIndexFile.BAD_LENGTH) {
                return;
            }
            PlscFormatException e = new PlscFormatException(file.toString(), lineNo[0], BadReason.values()[label],
                    "byte offset " + offset);
            if (!skipBad) {
                throw e;
            }
            bad.add(e);
            lines.add(lineNo[0]);
        });
        return lines.build().toArray();
    }

    /**
     * Indexes a PLSC data file: per line the base64 image's offset and length and the label, all checked; a bad
     * line fails, or with {@code skipBad} is marked in the index.
     */
    private static void indexLines(Path file, int maxLineBytes, boolean skipBad, RecordIndexFile.Sink sink) throws IOException {
        String name = file.toString();
        LineScanner.scan(file, maxLineBytes, new LineScanner.Visitor() {
            @Override
            public void line(byte[] buf, int start, int end, long lineNo, long offset) throws IOException {
                int tab;
                int label;
                try {
                    tab = PlscRecord.checkedTab(buf, start, end, name, lineNo); // a bad image text fails now, not mid-training
                    label = PlscRecord.label(buf, tab, end, name, lineNo, 0);
                } catch (PlscFormatException e) {
                    if (!skipBad) {
                        throw e;
                    }
                    sink.addBad(offset, e.reason());
                    return;
                }
                sink.add(offset, tab - start, label);
            }

            @Override
            public void tooLong(String fileName, long lineNo, long offset, int limit) throws IOException {
                if (!skipBad) {
                    throw LineScanner.tooLongError(fileName, lineNo, offset, limit);
                }
                sink.addBad(offset, BadReason.LINE_TOO_LONG);
            }
        });
    }

    /** The index of a {@code train.rec}'s image records: each one read once, its framing and label checked. */
    private static Path recordIoIndex(Path rec, Path cacheDir) throws IOException {
        try (RecordIo io = RecordIo.open(rec)) {
            return RecordIndexFile.ensure(rec, io.idx(), cacheDir, sink -> {
                for (long key : io.imageKeys()) {
                    RecordIo.Span span = io.span(key);
                    sink.add(span.offset(), span.length(), span.label());
                }
            });
        }
    }

    int size() {
        return labels.length;
    }

    int label(int i) {
        return labels[i];
    }

    /** The largest label, -1 when there is no record. */
    long maxLabel() {
        return Arrays.stream(labels).max().orElse(-1);
    }

    /** Names record {@code i} in messages: "file line L", or "train.rec record at byte offset X". */
    String where(int i) {
        int f = file(i);
        if (recordIo) {
            return files.get(f) + " record at byte offset " + offsets[i];
        }
        return files.get(f) + " line " + line(i, f);
    }

    /** The line of record {@code i} in its file {@code f}: its place among the file's records, past the bad lines before it. */
    private long line(int i, int f) {
        long line = i * stride + phase - firstRecord[f] + 1;
        for (long skipped : badLines[f]) {
            if (skipped > line) {
                break;
            }
            line++;
        }
        return line;
    }

    /** The encoded image of record {@code i}, read from its file now. */
    byte[] image(int i) throws IOException {
        int f = file(i);
        if (recordIo) {
            return RecordIo.readImage(channels.get(f), fileSizes[f], offsets[i], where(i) + ": ");
        }
        byte[] text = new byte[lengths[i]];
        ByteBuffer buf = ByteBuffer.wrap(text);
        long at = offsets[i];
        while (buf.hasRemaining()) {
            if (channels.get(f).read(buf, at + buf.position()) < 0) {
                throw new PlscFormatException(where(i) + " (byte offset " + offsets[i] + "): the file ends at byte "
                        + Files.size(files.get(f)) + " inside the record; was it changed after the loader opened it?");
            }
        }
        return PlscRecord.decodeImage(text, 0, text.length, files.get(f).toString(), line(i, f));
    }

    private int file(int i) {
        int f = Arrays.binarySearch(firstRecord, i * stride + phase);
        // several files may start at one number only if some are empty, which PlscDataset refuses
        return f >= 0 ? f : -f - 2;
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (FileChannel channel : channels) {
            try {
                channel.close();
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
