package org.plscj.labels;

/**
 * A labels file or a use of it is refused. An {@link IllegalArgumentException}, so the CLI reports it as bad input
 * (one line, exit 2); the message names the file and the entry.
 */
public final class LabelMapException extends IllegalArgumentException {
    public LabelMapException(String message) {
        super(message);
    }
}
