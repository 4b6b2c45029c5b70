package org.plscj.serve;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A test-only engine (no model): each embedding is the means of {@value #DIM} equal slices of the
 * image, so equal images embed equally and different random images point different ways. It can be
 * slowed down per batch, and told to throw something from its next batch.
 */
final class SliceEngine implements EmbeddingEngine {
    static final int DIM = 16;
    private final long delayMillis;
    private final AtomicReference<Throwable> fault = new AtomicReference<>();
    /** Images computed so far. */
    final AtomicInteger images = new AtomicInteger();

    SliceEngine(long delayMillis) {
        this.delayMillis = delayMillis;
    }

    /** The next batch throws {@code t} instead of computing (once). */
    void failNextBatch(Throwable t) {
        fault.set(t);
    }

    @Override
    public int embDim() {
        return DIM;
    }

    @Override
    public float[][] embed(float[] packed, int n) {
        Throwable t = fault.getAndSet(null);
        if (t instanceof Error e) {
            throw e;
        }
        if (t != null) {
            throw (RuntimeException) t;
        }
        if (delayMillis > 0) {
            try {
                Thread.sleep(delayMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        int pixels = packed.length / n;
        int slice = pixels / DIM;
        float[][] out = new float[n][DIM];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < DIM; j++) {
                double sum = 0;
                for (int p = 0; p < slice; p++) {
                    sum += packed[i * pixels + j * slice + p];
                }
                out[i][j] = (float) (sum / slice);
            }
        }
        images.addAndGet(n);
        return out;
    }
}
