package org.plscj.head;

/**
 * A training step met NaN or ±Inf: in the embeddings, the loss, a gradient or the weights. It is raised
 * on every worker alike (each decides from all-gathered or all-reduced values) and before anything was
 * updated with the non-finite value, so the model is still the one the previous step left.
 */
public final class NonFiniteException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String quantity;

    /**
     * @param quantity the first non-finite quantity, e.g. {@code loss}, {@code embedding row 3 on rank 1},
     *                 {@code gradient of layer1_0.conv1.conv.weight}
     */
    public NonFiniteException(String quantity) {
        this(quantity, quantity + " is not finite (NaN or Inf)");
    }

    /** The same event with a message that says more (the step, what was kept). */
    public NonFiniteException(String quantity, String message) {
        super(message);
        this.quantity = quantity;
    }

    public String quantity() {
        return quantity;
    }
}
