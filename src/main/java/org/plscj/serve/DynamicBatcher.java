package org.plscj.serve;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gathers single images from concurrent requests into backbone batches: a batch runs when it has
 * {@code maxBatch} images or when its first image has waited {@code maxWaitMillis}. The queue is
 * bounded: {@link #submit} refuses (null) when it is full, which the server answers with 503.
 * One thread runs the engine, so the engine sees one batch at a time.
 *
 * <p>Images whose request gave up (its future cancelled, or its deadline passed) are dropped
 * before they reach the engine. Whatever the engine throws — an {@link Error} included — fails
 * that batch's requests only; the thread goes on. Memory: the queue holds at most
 * {@code queueCapacity} images of 3·112·112 floats (147 KiB each).
 */
final class DynamicBatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DynamicBatcher.class);

    private record Job(float[] image, long deadlineNanos, CompletableFuture<float[]> result) {
        boolean abandoned(long now) {
            if (result.isDone()) {
                return true;
            }
            if (now - deadlineNanos > 0) {
                result.completeExceptionally(new TimeoutException("the request's deadline passed while it was queued"));
                return true;
            }
            return false;
        }
    }

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
     * of them (then nothing was queued). Images still queued at {@code deadlineNanos} ({@link System#nanoTime})
     * are not computed; their futures fail with a {@link TimeoutException}.
     */
    synchronized List<CompletableFuture<float[]>> submit(List<float[]> images, long deadlineNanos) {
        if (!serving() || queue.remainingCapacity() < images.size()) {
            return null;
        }
        List<CompletableFuture<float[]>> out = new ArrayList<>(images.size());
        for (float[] image : images) {
            CompletableFuture<float[]> f = new CompletableFuture<>();
            queue.add(new Job(image, deadlineNanos, f));
            out.add(f);
        }
        return out;
    }

    int capacity() {
        return queue.size() + queue.remainingCapacity();
    }

    /** Whether queued images will be computed: false once closed or if the worker thread has died. */
    boolean serving() {
        return running && worker.isAlive();
    }

    private void loop() {
        List<Job> batch = new ArrayList<>(maxBatch);
        while (running) {
            try {
                Job first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null || first.abandoned(System.nanoTime())) {
                    continue;
                }
                batch.add(first);
                long deadline = System.nanoTime() + maxWaitNanos;
                while (batch.size() < maxBatch) {
                    Job next = queue.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    if (next == null) {
                        break;
                    }
                    if (!next.abandoned(System.nanoTime())) {
                        batch.add(next);
                    }
                }
                // why again: a request may have given up while the batch was filling
                long now = System.nanoTime();
                batch.removeIf(j -> j.abandoned(now));
                if (!batch.isEmpty()) {
                    run(batch);
                }
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
        try {
            int pixels = batch.get(0).image().length;
            float[] packed = new float[n * pixels];
            for (int i = 0; i < n; i++) {
                System.arraycopy(batch.get(i).image(), 0, packed, i * pixels, pixels);
            }
            float[][] embeddings = engine.embed(packed, n);
            metrics.batch(n);
            for (int i = 0; i < n; i++) {
                batch.get(i).result().complete(embeddings[i]);
            }
        } catch (Throwable e) {
            // why Throwable: an OutOfMemoryError or a native failure in one batch must not end the thread every request waits on;
            // each failed request logs the details under its own id
            LOG.error("a batch of {} images failed in the engine: {}", n, e.toString());
            batch.forEach(j -> j.result().completeExceptionally(e));
        }
    }

    /** Stops taking work, lets the running batch finish; queued images are cancelled. */
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
        queue.forEach(j -> j.result().cancel(false));
    }
}
