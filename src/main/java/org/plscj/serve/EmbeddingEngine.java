package org.plscj.serve;

/** Computes embeddings of preprocessed images; one caller at a time (the batcher's thread). */
public interface EmbeddingEngine extends AutoCloseable {
    int embDim();

    /** Embeddings [n][embDim] of {@code n} images packed as [n, 3, 112, 112] floats, normalised as the loader does. */
    float[][] embed(float[] images, int n);

    @Override
    default void close() {}
}
