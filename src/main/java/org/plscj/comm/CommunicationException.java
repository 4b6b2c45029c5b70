package org.plscj.comm;

/** A collective failed: a peer was lost, or did not join within the collective timeout. */
public final class CommunicationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CommunicationException(String message, Throwable cause) {
        super(message, cause);
    }

    /** @param peers the other ranks and their hosts ("rank 1 on b (10.0.0.2)"), or empty */
    static CommunicationException of(String operation, int rank, long timeoutMs, String peers, RuntimeException cause) {
        String detail = cause.getMessage() == null ? cause.toString() : cause.getMessage().lines().findFirst().orElse("");
        String what = detail.contains("Timed out") || detail.contains("timeout")
                ? "no peer answered within the collective timeout of " + timeoutMs + " ms (a peer was lost or is stuck)"
                : "a peer was lost (its connection closed)";
        String among = peers.isEmpty() ? "" : "; peers: " + peers;
        return new CommunicationException(operation + " failed on rank " + rank + ": " + what + among + " [" + detail + "]", cause);
    }
}
