package org.plscj.data;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;

/**
 * Buckets holding where their lines are, not the lines: 16 bytes a line (source file, byte offset, length), and
 * each bucket's lines read back from the sources with positioned reads when it is loaded. The input is then
 * written once (the output) instead of twice, which is what bounds a shuffle on one disk; the re-reads are served
 * by the page cache when the input fits it (which {@link ShuffleSplit.BucketContents#AUTO} checks). The sources
 * must not change meanwhile: their sizes and modification times are checked before the lines are read back.
 *
 * <p>Memory: one write buffer per bucket during the scatter; 16 bytes per line of the bucket being loaded.
 */
final class OffsetBuckets implements ShuffleBuckets {
    static final int REF_BYTES = 16;
    private final List<Path> paths;
    private final List<Path> sources;
    private final List<DataOutputStream> files = new ArrayList<>();
    private final long[] sizes;
    private final FileTime[] times;
    private final List<FileChannel> channels = new ArrayList<>();

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
                files.add(new DataOutputStream(new BufferedOutputStream(
                        Files.newOutputStream(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), bufferBytes)));
            }
        } catch (IOException e) {
            close();
            throw e;
        }
    }

    @Override
    public void add(int bucket, byte[] buf, int start, int end, int file, long offset) throws IOException {
        DataOutputStream out = files.get(bucket);
        out.writeInt(file);
        out.writeLong(offset);
        out.writeInt(end - start);
    }

    @Override
    public void scattered() throws IOException {
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
        long size = 0;
        for (int i = 0; i < refs.limit(); i += REF_BYTES) {
            size += refs.getInt(i + 12) + 1;
        }
        byte[] bytes = ShuffleBuckets.room(reuse, size, path);
        int at = 0;
        while (refs.hasRemaining()) {
            int file = refs.getInt();
            long offset = refs.getLong();
            int length = refs.getInt();
            readFully(file, offset, ByteBuffer.wrap(bytes, at, length));
            at += length;
            bytes[at++] = '\n';
        }
        Files.delete(path);
        return new Loaded(bytes, at);
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
            ShuffleBuckets.closeAll(channels);
        }
    }
}
