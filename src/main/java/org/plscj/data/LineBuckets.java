package org.plscj.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Buckets holding copies of their lines: the input is read once and written once more before the output. The
 * right choice when the input is larger than the page cache, where re-reading lines from the sources would
 * hit the disk at random. Memory: one write buffer per bucket.
 */
final class LineBuckets implements ShuffleBuckets {
    private final List<Path> paths;
    private final List<SyncedFile> files = new ArrayList<>();

    LineBuckets(List<Path> paths, int bufferBytes) throws IOException {
        this.paths = paths;
        try {
            for (Path path : paths) {
                files.add(SyncedFile.scratch(path, bufferBytes));
            }
        } catch (IOException e) {
            close();
            throw e;
        }
    }

    @Override
    public void add(int bucket, byte[] buf, int start, int end, int file, long offset) throws IOException {
        files.get(bucket).writeLine(buf, start, end - start);
    }

    @Override
    public void scattered() throws IOException {
        close();
    }

    @Override
    public Loaded load(int b, byte[] reuse) throws IOException {
        Path path = paths.get(b);
        long size = Files.size(path);
        byte[] bytes = ShuffleBuckets.room(reuse, size, path);
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.wrap(bytes, 0, (int) size);
            while (buf.hasRemaining() && ch.read(buf) >= 0) {
                // fill
            }
            if (buf.hasRemaining()) {
                throw new IOException(path + " ended after " + buf.position() + " of " + size + " bytes while being read");
            }
        }
        Files.delete(path);
        return new Loaded(bytes, (int) size);
    }

    @Override
    public void close() throws IOException {
        ShuffleBuckets.closeAll(files);
    }
}
