package org.plscj.data;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A new file written line by line ({@code \n}, as PLSC writes; text as UTF-8) through one buffer, and
 * forced to disk on close, so a directory renamed into place afterwards never holds a half-written file
 * after a crash. A scratch file (deleted soon after) is not forced.
 */
final class SyncedFile implements Closeable {
    private static final int DEFAULT_BUFFER = 1 << 16;
    private final FileChannel channel;
    private final ByteBuffer buffer;
    private final boolean force;

    private SyncedFile(FileChannel channel, int bufferBytes, boolean force) {
        this.channel = channel;
        // why direct: a heap buffer is copied into a temporary direct one on every write
        this.buffer = ByteBuffer.allocateDirect(bufferBytes);
        this.force = force;
    }

    /** Creates {@code path}; fails if it already exists. */
    static SyncedFile create(Path path) throws IOException {
        return create(path, DEFAULT_BUFFER);
    }

    /** Creates {@code path} with a write buffer of {@code bufferBytes}; fails if it already exists. */
    static SyncedFile create(Path path, int bufferBytes) throws IOException {
        return new SyncedFile(FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), bufferBytes, true);
    }

    /** A scratch file: not forced on close (it is read back and deleted in the same run). */
    static SyncedFile scratch(Path path, int bufferBytes) throws IOException {
        return new SyncedFile(FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), bufferBytes, false);
    }

    void writeLine(String line) throws IOException {
        byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
        writeLine(bytes, 0, bytes.length);
    }

    /** Writes {@code buf[from, from + length)} and a {@code \n}. */
    void writeLine(byte[] buf, int from, int length) throws IOException {
        if (length + 1 > buffer.remaining()) {
            flush();
            if (length + 1 > buffer.capacity()) {
                ByteBuffer big = ByteBuffer.wrap(buf, from, length);
                while (big.hasRemaining()) {
                    channel.write(big);
                }
                length = 0;
                from = 0;
            }
        }
        buffer.put(buf, from, length).put((byte) '\n');
    }

    /** Forces what has been written so far to disk (may run on another thread than the writer's). */
    void force() throws IOException {
        channel.force(false);
    }

    /** Hands the buffered bytes to the OS. */
    void flush() throws IOException {
        buffer.flip();
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
        buffer.clear();
    }

    @Override
    public void close() throws IOException {
        try (channel) {
            flush();
            if (force) {
                channel.force(true);
            }
        }
    }
}
