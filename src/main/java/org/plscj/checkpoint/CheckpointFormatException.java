package org.plscj.checkpoint;

import java.io.IOException;
import java.nio.file.Path;

/** A checkpoint file that cannot be read: names the file and, where one is at fault, the zip record. */
public class CheckpointFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    /** {@code record} may be null when the whole file is at fault (e.g. not a zip archive). */
    public CheckpointFormatException(Path file, String record, String problem, Throwable cause) {
        super(file + (record == null ? "" : ": record " + record) + ": " + problem, cause);
    }

    public CheckpointFormatException(Path file, String record, String problem) {
        this(file, record, problem, null);
    }
}
