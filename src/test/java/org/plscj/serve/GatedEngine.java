package org.plscj.serve;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/** A test-only engine that blocks until {@link #gate} is released and records its batch sizes. */
final class GatedEngine implements EmbeddingEngine {
    final CountDownLatch gate = new CountDownLatch(1);
    final List<Integer> batches = new CopyOnWriteArrayList<>();

    @Override
    public int embDim() {
        return 4;
    }

    @Override
    public float[][] embed(float[] images, int n) {
        try {
            gate.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        batches.add(n);
        return new float[n][4];
    }
}
