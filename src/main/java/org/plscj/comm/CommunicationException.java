package org.plscj.comm;

/** A collective failed: a peer was lost, or did not join within the collective timeout. */
public final class CommunicationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CommunicationException(String message, Throwable cause) {
        super(message, cause);
    }

    static CommunicationException of(String operation, int rank, long timeoutMs, RuntimeException cause) {
        String detail = cause.getMessage() == null ? cause.toString() : cause.getMessage().lines().findFirst().orElse("");
        String what = detail.contains("Timed out") || detail.contains("timeout")
                ? "no peer answered within the collective timeout of " + timeoutMs + " ms (a peer was lost or is stuck)"
                : "a peer was lost (its connection closed)";
        return new CommunicationException(operation + " failed on rank " + rank + ": " + what + " [" + detail + "]", cause);
    }
}
