package org.plscj.serve;

/** A request the server cannot act on: the HTTP status (400, 413) and a message naming the field and index. */
final class BadRequest extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;

    BadRequest(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    BadRequest(String message) {
        this(400, message);
    }

    int status() {
        return status;
    }
}
