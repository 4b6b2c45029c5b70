package org.plscj.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Buckets holding where their lines are, not the lines: 16 bytes a line (source file, byte offset, length), and
 * each bucket's lines read back from the sources with positioned reads when it is loaded. The input is then
 * written once (the output) instead of twice, which is what bounds a shuffle on one disk; the re-reads are served
 * by the page cache when the input fits it (which {@link ShuffleSplit.BucketContents#AUTO} checks). The sources
 * must not change meanwhile: their sizes and modification times are checked before the lines are read back.
 *
 * <p>Memory: one write buffer per bucket during the scatter; 16 bytes per line of the bucket being loaded. A second
 * thread reads half of each bucket's lines.
 */
final class OffsetBuckets implements ShuffleBuckets {
    static final int REF_BYTES = 16;
    private final List<Path> paths;
    private final List<Path> sources;
    private final List<FileChannel> files = new ArrayList<>();
    private final List<ByteBuffer> buffers = new ArrayList<>();
    private final long[] sizes;
    private final FileTime[] times;
    private final List<FileChannel> channels = new ArrayList<>();
    private final ExecutorService reader = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "plscj-shuffle-reader");
        t.setDaemon(true);
        return t;
    });

    OffsetBuckets(List<Path> paths, List<Path> sources, int bufferBytes) throws IOException {
        this.paths = paths;
        this.sources = sources;
        this.sizes = new long[sources.size()];
        this.times = new FileTime[sources.size()];
        for (int i = 0; i < sources.size(); i++) {
            sizes[i] = Files.size(sources.get(i));
            times[i] = Files.getLastModifiedTime(sources.get(i));
        }
        try {
            for (Path path : paths) {
                files.add(FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));
                buffers.add(ByteBuffer.allocate(Math.max(REF_BYTES, bufferBytes / REF_BYTES * REF_BYTES)));
            }
        } catch (IOException e) {
            close();
            throw e;
        }
    }

    @Override
    public void add(int bucket, byte[] buf, int start, int end, int file, long offset) throws IOException {
        ByteBuffer out = buffers.get(bucket);
        if (!out.hasRemaining()) {
            drain(bucket);
        }
        out.putInt(file).putLong(offset).putInt(end - start);
    }

    private void drain(int bucket) throws IOException {
        ByteBuffer out = buffers.get(bucket).flip();
        while (out.hasRemaining()) {
            files.get(bucket).write(out);
        }
        out.clear();
    }

    @Override
    public void scattered() throws IOException {
        for (int b = 0; b < files.size(); b++) {
            drain(b);
        }
        ShuffleBuckets.closeAll(files);
        for (int i = 0; i < sources.size(); i++) {
            Path source = sources.get(i);
            if (Files.size(source) != sizes[i] || !Files.getLastModifiedTime(source).equals(times[i])) {
                throw new IOException(source + " changed while it was being shuffled: its lines cannot be read back");
            }
            channels.add(FileChannel.open(source, StandardOpenOption.READ));
        }
    }

    @Override
    public Loaded load(int b, byte[] reuse) throws IOException {
        Path path = paths.get(b);
        ByteBuffer refs = ByteBuffer.wrap(Files.readAllBytes(path));
        int lines = refs.limit() / REF_BYTES;
        long size = 0;
        int half = lines / 2;
        long halfStart = 0;
        for (int i = 0; i < lines; i++) {
            if (i == half) {
                halfStart = size;
            }
            size += refs.getInt(i * REF_BYTES + 12) + 1;
        }
        byte[] bytes = ShuffleBuckets.room(reuse, size, path);
        int secondAt = (int) halfStart;
        // why two halves at once: a read from the page cache costs a system call per line, a CPU's worth of time at
        // millions of lines; the second half is read on another core meanwhile
        Future<?> second = reader.submit(() -> {
            copyLines(refs, half, lines, bytes, secondAt);
            return null;
        });
        copyLines(refs, 0, half, bytes, 0);
        ShuffleSplit.join(second, "reading a bucket's lines back");
        Files.delete(path);
        return new Loaded(bytes, (int) size);
    }

    /** Reads the lines of refs {@code from..to-1} into {@code bytes} from {@code at}, each followed by {@code \n}. */
    private void copyLines(ByteBuffer refs, int from, int to, byte[] bytes, int at) throws IOException {
        for (int i = from; i < to; i++) {
            int ref = i * REF_BYTES;
            int length = refs.getInt(ref + 12);
            readFully(refs.getInt(ref), refs.getLong(ref + 4), ByteBuffer.wrap(bytes, at, length));
            at += length;
            bytes[at++] = '\n';
        }
    }

    private void readFully(int file, long offset, ByteBuffer into) throws IOException {
        FileChannel channel = channels.get(file);
        long at = offset;
        while (into.hasRemaining()) {
            int n = channel.read(into, at);
            if (n < 0) {
                throw new IOException(String.format("%s ended at byte %d, inside the line at byte offset %d it held when"
                        + " the shuffle scanned it", sources.get(file), at, offset));
            }
            at += n;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            ShuffleBuckets.closeAll(files);
        } finally {
            reader.shutdownNow();
            ShuffleBuckets.closeAll(channels);
        }
    }
}
