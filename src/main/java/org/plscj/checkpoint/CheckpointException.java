package org.plscj.checkpoint;

/** A checkpoint that cannot be saved or used; the message names the directory or file and what was expected. */
public final class CheckpointException extends RuntimeException {
    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
