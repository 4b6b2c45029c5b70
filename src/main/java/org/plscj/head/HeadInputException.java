package org.plscj.head;

/**
 * The inputs of a head step are unusable (labels out of range, non-finite embeddings, batch
 * shapes that differ across workers). Every worker sees the gathered inputs, so every worker
 * throws the same error instead of leaving its peers waiting in a collective.
 */
public final class HeadInputException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public HeadInputException(String message) {
        super(message);
    }
}
