package org.plscj.serve;

import org.plscj.eval.FaceModel;

/**
 * Computes embeddings of preprocessed images; one caller at a time (the batcher's thread). Evaluation runs it as a
 * {@link FaceModel}, whose {@code embed} contract it shares.
 */
public interface EmbeddingEngine extends FaceModel, AutoCloseable {
    @Override
    default void close() {}
}
