package org.plscj.tensor;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.chrono.Milliseconds;
import org.bytedeco.openblas.global.openblas_full;
import org.bytedeco.pytorch.global.torch;

/** Loads libtorch once per JVM and sets its intra-op thread count. */
public final class Native {
    private static boolean loaded;
    /** Threads set by {@link #useIntraOpThreads}; null = from the environment. */
    private static Integer chosenThreads;

    private Native() {}

    /**
     * Extracts and loads the native libraries, then sets the intra-op threads to
     * {@code PLSC_NUM_THREADS} or, when unset, the cores divided by the local workers.
     */
    public static synchronized void load() {
        if (loaded) {
            return;
        }
        // why: with an empty JavaCPP cache, loading libtorch_cpu.so right after extracting it
        // crashes the JVM in pthread_mutex_lock (seen on every fresh cache here); extracting
        // all three resource folders first and only then loading avoids it.
        for (String lib : new String[] {"javacpp", "openblas", "pytorch"}) {
            try {
                Loader.cacheResources("/org/bytedeco/" + lib + "/" + Loader.getPlatform() + "/");
            } catch (IOException e) {
                throw new IllegalStateException("cannot extract the native " + lib + " libraries into the JavaCPP cache "
                        + "(-Dorg.bytedeco.javacpp.cachedir): " + e.getMessage(), e);
            }
        }
        Loader.load(torch.class);
        torch.set_num_threads(intraOpThreads());
        loaded = true;
    }

    /**
     * Loads libtorch and sets this process's intra-op threads to {@code threads} (e.g. a benchmark's --threads), in place of
     * PLSC_NUM_THREADS or cores / local workers; {@link #intraOpThreads} then reports it.
     */
    public static synchronized void useIntraOpThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        load();
        chosenThreads = threads;
        torch.set_num_threads(threads);
    }

    /** Threads per worker: as set by {@link #useIntraOpThreads}, else PLSC_NUM_THREADS, else cores / LOCAL_WORLD_SIZE (at least 1). */
    public static synchronized int intraOpThreads() {
        if (chosenThreads != null) {
            return chosenThreads;
        }
        String explicit = System.getenv("PLSC_NUM_THREADS");
        if (explicit != null && !explicit.isBlank()) {
            return Math.max(1, Integer.parseInt(explicit.trim()));
        }
        String local = System.getenv("LOCAL_WORLD_SIZE");
        int localWorkers = local == null || local.isBlank() ? 1 : Math.max(1, Integer.parseInt(local.trim()));
        return Math.max(1, Runtime.getRuntime().availableProcessors() / localWorkers);
    }

    /**
     * A pool of {@code threads} daemon threads each of which runs libtorch's ops on itself alone, for a caller that runs
     * its own work side by side on them. Why this works: OpenMP's thread count is a per-thread setting, set here once on
     * each pool thread; libtorch's set_num_threads also changes the count threads started later begin with, which the
     * calling thread then puts back, so the rest of the process keeps its intra-op threads.
     */
    public static synchronized ExecutorService singleThreadedPool(int threads, String name) {
        load();
        AtomicInteger started = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, name + "-" + started.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        // why the latch: each setup task holds its thread until all have started, so every pool thread runs one
        CountDownLatch all = new CountDownLatch(threads);
        List<Future<?>> setup = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            setup.add(pool.submit(() -> {
                torch.set_num_threads(1);
                all.countDown();
                all.await();
                return null;
            }));
        }
        try {
            for (Future<?> f : setup) {
                f.get();
            }
        } catch (InterruptedException e) {
            pool.shutdownNow();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the " + name + " threads", e);
        } catch (ExecutionException e) {
            pool.shutdownNow();
            throw new IllegalStateException("cannot start the " + name + " threads: " + e.getCause(), e.getCause());
        }
        torch.set_num_threads(intraOpThreads());
        return pool;
    }

    /** OpenBLAS's thread count: its own pool, which libtorch's set_num_threads does not change. */
    public static int blasThreads() {
        load();
        return openblas_full.openblas_get_num_threads();
    }

    /** Sets OpenBLAS's thread count for the whole process (1: every GEMM runs on its calling thread). */
    public static void useBlasThreads(int threads) {
        load();
        openblas_full.openblas_set_num_threads(threads);
    }

    /** libtorch's {@code std::chrono::milliseconds} (c10d store and process-group timeouts). */
    public static Milliseconds millis(long ms) {
        return new Milliseconds(ms);
    }

    /**
     * libtorch's {@code ExpandingArray<2>} of {@code v, v} (a square kernel, stride or padding). Why here: JavaCPP's
     * {@code LongPointer.put(a, b)} means "element a = b", so the obvious way to write a pair silently writes out of bounds.
     */
    public static LongPointer pair(long v) {
        return new LongPointer(v, v);
    }
}
