package org.plscj.data;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a PLSC base64 data directory: data files one after another, then {@code file_list.txt}
 * naming them on {@link #close}. The list is written last so a directory with a file list is complete.
 */
public final class PlscWriter implements Closeable {
    private final Path dir;
    private final List<String> names = new ArrayList<>();
    private SyncedFile current;

    private PlscWriter(Path dir) {
        this.dir = dir;
    }

    /** Creates {@code dir} if needed; refuses a directory that already holds a file list. */
    public static PlscWriter create(Path dir) throws IOException {
        Files.createDirectories(dir);
        if (Files.exists(dir.resolve(PlscDataset.FILE_LIST))) {
            throw new IllegalArgumentException(dir + " already holds a " + PlscDataset.FILE_LIST);
        }
        return new PlscWriter(dir);
    }

    /** Ends the current data file, if any, and starts {@code name} (relative to the directory). */
    public void startFile(String name) throws IOException {
        closeCurrent();
        current = SyncedFile.create(dir.resolve(name));
        names.add(name);
    }

    /** Appends one record to the current data file. */
    public void write(byte[] image, int label) throws IOException {
        writeLine(PlscRecord.format(image, label));
    }

    /** Appends one already formatted line (no newline) to the current data file. */
    public void writeLine(String line) throws IOException {
        if (current == null) {
            throw new IllegalStateException("startFile must come before the first record");
        }
        current.writeLine(line);
    }

    /** Ends the last data file and writes the file list. */
    @Override
    public void close() throws IOException {
        closeCurrent();
        writeFileList(dir, names);
    }

    /** Writes {@code file_list.txt} in {@code dir}, one name per line, forced to disk. */
    static void writeFileList(Path dir, List<String> names) throws IOException {
        try (SyncedFile list = SyncedFile.create(dir.resolve(PlscDataset.FILE_LIST))) {
            for (String name : names) {
                list.writeLine(name);
            }
        }
    }

    private void closeCurrent() throws IOException {
        if (current != null) {
            current.close();
            current = null;
        }
    }
}
