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
 * Gathers single items from concurrent requests into batches: a batch runs when it has
 * {@code maxBatch} items or when its first item has waited {@code maxWaitMillis}. The queue is
 * bounded: {@link #submit} refuses (null) when it is full, which the server answers with 503.
 * One thread runs the work, so it sees one batch at a time. Two kinds: images into backbone
 * batches ({@link #embeddings}), and identification queries into one pass over the class centres.
 *
 * <p>Items whose request gave up (its future cancelled, or its deadline passed) are dropped
 * before they reach the work. Whatever the work throws — an {@link Error} included — fails
 * that batch's requests only; the thread goes on. Memory: the queue holds at most
 * {@code queueCapacity} items (images: 3·112·112 floats, 147 KiB each).
 *
 * @param <I> one item of a request
 * @param <O> its result
 */
final class DynamicBatcher<I, O> implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DynamicBatcher.class);

    /** A batch's computation: one result per item, in order. */
    interface Work<I, O> {
        List<O> run(List<I> items) throws Exception;
    }

    private record Job<I, O>(I item, long deadlineNanos, CompletableFuture<O> result) {
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

    private final Work<I, O> work;
    private final String what;
    private final int maxBatch;
    private final long maxWaitNanos;
    private final BlockingQueue<Job<I, O>> queue;
    private final Thread worker;
    private volatile boolean running = true;

    /** Images [3·112·112] into the engine's batches; the metrics see the batch sizes and the queue depth. */
    static DynamicBatcher<float[], float[]> embeddings(EmbeddingEngine engine, int maxBatch, long maxWaitMillis, int queueCapacity,
            ServeMetrics metrics) {
        DynamicBatcher<float[], float[]> batcher = new DynamicBatcher<>("images", images -> {
            int n = images.size();
            int pixels = images.get(0).length;
            float[] packed = new float[n * pixels];
            for (int i = 0; i < n; i++) {
                System.arraycopy(images.get(i), 0, packed, i * pixels, pixels);
            }
            float[][] embeddings = engine.embed(packed, n);
            metrics.batch(n);
            return List.of(embeddings);
        }, maxBatch, maxWaitMillis, queueCapacity);
        metrics.queueDepth(batcher.queue::size);
        return batcher;
    }

    /** {@code what}: the items' name in the log and the thread's. */
    DynamicBatcher(String what, Work<I, O> work, int maxBatch, long maxWaitMillis, int queueCapacity) {
        if (maxBatch <= 0 || maxWaitMillis < 0 || queueCapacity <= 0) {
            throw new IllegalArgumentException("max batch (" + maxBatch + ") and queue capacity (" + queueCapacity
                    + ") must be positive, max wait (" + maxWaitMillis + " ms) not negative");
        }
        this.work = work;
        this.what = what;
        this.maxBatch = maxBatch;
        this.maxWaitNanos = TimeUnit.MILLISECONDS.toNanos(maxWaitMillis);
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
        worker = new Thread(this::loop, "plsc-batcher-" + what);
        worker.setDaemon(true);
        worker.start();
    }

    /**
     * Queues every item of one request, or none: returns null when the queue lacks room for all
     * of them (then nothing was queued). Items still queued at {@code deadlineNanos} ({@link System#nanoTime})
     * are not computed; their futures fail with a {@link TimeoutException}.
     */
    synchronized List<CompletableFuture<O>> submit(List<I> items, long deadlineNanos) {
        if (!serving() || queue.remainingCapacity() < items.size()) {
            return null;
        }
        List<CompletableFuture<O>> out = new ArrayList<>(items.size());
        for (I item : items) {
            CompletableFuture<O> f = new CompletableFuture<>();
            queue.add(new Job<>(item, deadlineNanos, f));
            out.add(f);
        }
        return out;
    }

    int capacity() {
        return queue.size() + queue.remainingCapacity();
    }

    /** Whether queued items will be computed: false once closed or if the worker thread has died. */
    boolean serving() {
        return running && worker.isAlive();
    }

    private void loop() {
        List<Job<I, O>> batch = new ArrayList<>(maxBatch);
        while (running) {
            try {
                Job<I, O> first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null || first.abandoned(System.nanoTime())) {
                    continue;
                }
                batch.add(first);
                long deadline = System.nanoTime() + maxWaitNanos;
                while (batch.size() < maxBatch) {
                    Job<I, O> next = queue.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
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

    private void run(List<Job<I, O>> batch) {
        int n = batch.size();
        try {
            List<I> items = new ArrayList<>(n);
            batch.forEach(j -> items.add(j.item()));
            List<O> results = work.run(items);
            for (int i = 0; i < n; i++) {
                batch.get(i).result().complete(results.get(i));
            }
        } catch (Throwable e) {
            // why Throwable: an OutOfMemoryError or a native failure in one batch must not end the thread every request waits on;
            // each failed request logs the details under its own id
            LOG.error("a batch of {} {} failed: {}", n, what, e.toString());
            batch.forEach(j -> j.result().completeExceptionally(e));
        }
    }

    /** Stops taking work, lets the running batch finish; queued items are cancelled. */
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
