package org.plscj.serve;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Gathers single images from concurrent requests into backbone batches: a batch runs when it has
 * {@code maxBatch} images or when its first image has waited {@code maxWaitMillis}. The queue is
 * bounded: {@link #submit} refuses (false) when it is full, which the server answers with 503.
 * One thread runs the engine, so the engine sees one batch at a time.
 */
final class DynamicBatcher implements AutoCloseable {
    private record Job(float[] image, CompletableFuture<float[]> result) {}

    private final EmbeddingEngine engine;
    private final int maxBatch;
    private final long maxWaitNanos;
    private final BlockingQueue<Job> queue;
    private final ServeMetrics metrics;
    private final Thread worker;
    private volatile boolean running = true;

    DynamicBatcher(EmbeddingEngine engine, int maxBatch, long maxWaitMillis, int queueCapacity, ServeMetrics metrics) {
        if (maxBatch <= 0 || maxWaitMillis < 0 || queueCapacity <= 0) {
            throw new IllegalArgumentException("max batch (" + maxBatch + ") and queue capacity (" + queueCapacity
                    + ") must be positive, max wait (" + maxWaitMillis + " ms) not negative");
        }
        this.engine = engine;
        this.maxBatch = maxBatch;
        this.maxWaitNanos = TimeUnit.MILLISECONDS.toNanos(maxWaitMillis);
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
        this.metrics = metrics;
        metrics.queueDepth(queue::size);
        worker = new Thread(this::loop, "plsc-batcher");
        worker.setDaemon(true);
        worker.start();
    }

    /**
     * Queues every image of one request, or none: returns null when the queue lacks room for all
     * of them (then nothing was queued).
     */
    synchronized List<CompletableFuture<float[]>> submit(List<float[]> images) {
        if (!running || queue.remainingCapacity() < images.size()) {
            return null;
        }
        List<CompletableFuture<float[]>> out = new ArrayList<>(images.size());
        for (float[] image : images) {
            CompletableFuture<float[]> f = new CompletableFuture<>();
            queue.add(new Job(image, f));
            out.add(f);
        }
        return out;
    }

    int capacity() {
        return queue.size() + queue.remainingCapacity();
    }

    private void loop() {
        List<Job> batch = new ArrayList<>(maxBatch);
        while (running) {
            try {
                Job first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                long deadline = System.nanoTime() + maxWaitNanos;
                while (batch.size() < maxBatch) {
                    Job next = queue.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    if (next == null) {
                        break;
                    }
                    batch.add(next);
                }
                run(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                batch.clear();
            }
        }
    }

    private void run(List<Job> batch) {
        int n = batch.size();
        int pixels = batch.get(0).image().length;
        float[] packed = new float[n * pixels];
        for (int i = 0; i < n; i++) {
            System.arraycopy(batch.get(i).image(), 0, packed, i * pixels, pixels);
        }
        try {
            float[][] embeddings = engine.embed(packed, n);
            metrics.batch(n);
            for (int i = 0; i < n; i++) {
                batch.get(i).result().complete(embeddings[i]);
            }
        } catch (RuntimeException e) {
            batch.forEach(j -> j.result().completeExceptionally(e));
        }
    }

    /** Stops taking work, lets the running batch finish; queued images fail. */
    @Override
    public void close() {
        synchronized (this) {
            running = false;
        }
        try {
            worker.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        queue.forEach(j -> j.result().completeExceptionally(new IllegalStateException("the server is shutting down")));
    }
}
