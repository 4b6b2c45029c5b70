package org.plscj.data;

/**
 * A PLSC data directory or one of its lines is malformed. It is an {@link IllegalArgumentException}
 * so the CLI reports it as bad input (one line, exit 2); the message always names the file and,
 * for a bad record, the line.
 */
public final class PlscFormatException extends IllegalArgumentException {
    private final BadReason reason;

    /** A structural problem (missing or empty file, empty file list): never skippable. */
    public PlscFormatException(String message) {
        super(message);
        this.reason = null;
    }

    /** A bad record at {@code file} line {@code line} (1-based). */
    public PlscFormatException(String file, long line, BadReason reason, String detail) {
        super(file + " line " + line + ": " + reason.description() + (detail.isEmpty() ? "" : " (" + detail + ")"));
        this.reason = reason;
    }

    /** A bad record described by {@code message} (which names its file and place). */
    PlscFormatException(BadReason reason, String message) {
        super(message);
        this.reason = reason;
    }

    /** The reason of a bad record, or null for a structural problem that skip-bad mode cannot skip. */
    public BadReason reason() {
        return reason;
    }
}
