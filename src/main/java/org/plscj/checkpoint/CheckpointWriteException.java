package org.plscj.checkpoint;

/**
 * A save failed on the storage (no space left, an I/O error, a read-only file system): raised on every rank
 * alike, naming the rank that failed and the path, and the previous checkpoints are intact. Distinct from a
 * {@link CheckpointException} (a checkpoint that is not usable) because the cure is the disk, not the input.
 */
public final class CheckpointWriteException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CheckpointWriteException(String message, Throwable cause) {
        super(message, cause);
    }
}
