package org.plscj.data;

import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A new UTF-8 text file written line by line ({@code \n}, as PLSC writes) and forced to disk on
 * close, so a directory renamed into place afterwards never holds a half-written file after a crash.
 */
final class SyncedFile implements Closeable {
    private final FileChannel channel;
    private final BufferedWriter writer;

    private SyncedFile(FileChannel channel) {
        this.channel = channel;
        this.writer = new BufferedWriter(Channels.newWriter(channel, StandardCharsets.UTF_8), 1 << 16);
    }

    /** Creates {@code path}; fails if it already exists. */
    static SyncedFile create(Path path) throws IOException {
        return new SyncedFile(FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));
    }

    void writeLine(String line) throws IOException {
        writer.write(line);
        writer.write('\n');
    }

    @Override
    public void close() throws IOException {
        try (channel; writer) {
            writer.flush();
            channel.force(true);
        }
    }
}
