package org.plscj.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The training data loader of one worker (rank) of a PLSC base64 data directory, or of an insightface
 * directory holding {@code train.rec} + {@code train.idx} (read as they are: labels from the IRHeaders).
 *
 * <p><b>Which records.</b> PLSC's contract: when the directory has exactly {@code worldSize} data
 * files, rank {@code i} reads all of file {@code i} (file-list order; ranks may then hold different
 * counts, as in PLSC). Otherwise (any world size over any file count) every record of every file, in
 * file-list order, is numbered {@code 0..n-1} and rank {@code r} takes the records whose index
 * {@code % worldSize == r}, keeping only the first {@code n / worldSize} of them: the last
 * {@code n % worldSize} records are dropped so every rank has the same count.
 *
 * <p><b>Memory.</b> Per record of its shard a worker holds 16 bytes (byte offset, length, label:
 * {@link ShardRecords}) and, per decode thread, 4 bytes of the epoch's permutation: 24 bytes with the
 * default 2 threads, whatever the images' size. Image bytes are read with positioned reads when their batch
 * is decoded. Opening reads each data file's cached offset index ({@link RecordIndexFile}: {@code part-00000.idx}
 * beside the data, or in the local cache directory); a missing or stale one is first built by reading the file
 * once, checking every record (so a bad line fails at open, naming its file and line).
 *
 * <p><b>Epochs.</b> Epoch {@code e} visits the shard in a Fisher–Yates permutation drawn from
 * {@code Augmentation.sampleRandom(seed, e, rank, -1)} (position −1 is never a sample's, so the
 * shuffle stream is distinct from the per-sample streams), in batches of {@code batch} records; the
 * last incomplete batch is dropped. The sample at position {@code p = index·batch + j} of epoch
 * {@code e} is mirrored when {@code augmentation.mirror(Augmentation.sampleRandom(seed, e, rank, p))}.
 * The sequence is thus a pure function of (directory, rank, worldSize, batch, seed, augmentation):
 * opening at (epoch, batchIndex) yields exactly what an uninterrupted run yields from there.
 *
 * <p><b>Prefetch.</b> {@code decodeThreads} daemon threads decode batches into {@code float[]}
 * (no native memory, so no scope concerns: the consumer builds its tensor, e.g. with
 * {@link BatchTensor#of}). Batch {@code k} of the run (counted from the start position) is decoded
 * whole by thread {@code k % decodeThreads} and put on that thread's {@link ArrayBlockingQueue};
 * {@link #next} takes from the queues round-robin, so the order is deterministic whatever the
 * scheduling. Each queue holds {@code ceil(prefetch / decodeThreads)} batches, so about
 * {@code prefetch} batches are buffered in all (plus one being decoded per thread).
 *
 * <p><b>Global order</b> ({@link Options#withGlobalOrder}): every rank indexes ALL records (16 bytes each, as
 * above; no image is held) and epoch {@code e} is one permutation of all of them, drawn from a stream
 * no rank owns; step {@code s} of the epoch is the global batch of records {@code [s·B·W, (s+1)·B·W)} of it and
 * rank {@code r} takes places {@code [r·B, (r+1)·B)}; mirroring is keyed by the global place. The global batches
 * therefore depend on B·W only, not on W: a run saved on N workers continues on M (with B' = B·N/M) exactly as
 * it would have on N — the elastic resume a resharded checkpoint needs.
 *
 * <p>An error while decoding (a corrupt image, ...) stops the thread that met it and is rethrown by
 * {@link #next} when its batch's turn comes; the message names the record's file and line. Later
 * calls rethrow it again. {@link #close} stops and joins the threads. Not thread-safe: one consumer.
 */
public final class ShardLoader implements AutoCloseable {
    /** Default number of batches decoded ahead. */
    public static final int DEFAULT_PREFETCH = 4;
    /** Default number of decode threads. */
    public static final int DEFAULT_DECODE_THREADS = 2;
    /** The rank key of global order's random streams; no worker has it. */
    private static final long GLOBAL_STREAM = -2;

    /** How to load: see the class comment. */
    public record Options(int rank, int worldSize, int batch, long seed, Augmentation augmentation,
            ImageDecoder decoder, int prefetch, int decodeThreads, boolean globalOrder, int maxLineBytes,
            Path indexCacheDir, boolean skipBad) {
        public Options {
            if (worldSize <= 0 || rank < 0 || rank >= worldSize) {
                throw new IllegalArgumentException("rank " + rank + " is not in a world of size " + worldSize);
            }
            if (batch <= 0) {
                throw new IllegalArgumentException("batch size must be positive, got " + batch);
            }
            if (prefetch <= 0 || decodeThreads <= 0) {
                throw new IllegalArgumentException("prefetch depth and decode threads must be positive, got "
                        + prefetch + " and " + decodeThreads);
            }
            if (augmentation == null || decoder == null || indexCacheDir == null) {
                throw new IllegalArgumentException("augmentation, decoder and index cache directory are required");
            }
            if (maxLineBytes <= 0) {
                throw new IllegalArgumentException("the line length limit must be positive, got " + maxLineBytes);
            }
        }

        /** With the default prefetch depth (4 batches) and decode threads (2). */
        public static Options of(int rank, int worldSize, int batch, long seed, Augmentation augmentation,
                ImageDecoder decoder) {
            return new Options(rank, worldSize, batch, seed, augmentation, decoder, DEFAULT_PREFETCH,
                    DEFAULT_DECODE_THREADS, false, LineScanner.DEFAULT_MAX_LINE_BYTES, RecordIndexFile.defaultCacheDir(), false);
        }

        public Options withPrefetch(int depth) {
            return edit(d -> d.prefetch = depth);
        }

        public Options withDecodeThreads(int threads) {
            return edit(d -> d.decodeThreads = threads);
        }

        /** See "Global order" in the class comment. */
        public Options withGlobalOrder(boolean global) {
            return edit(d -> d.globalOrder = global);
        }

        /** A data line longer than {@code bytes} is an error (default 64 MiB), never read into memory whole. */
        public Options withMaxLineBytes(int bytes) {
            return edit(d -> d.maxLineBytes = bytes);
        }

        /**
         * Where offset indexes go when the data directory cannot hold them (default
         * {@code $XDG_CACHE_HOME/plscj/index}, else {@code ~/.cache/plscj/index}).
         */
        public Options withIndexCacheDir(Path dir) {
            return edit(d -> d.indexCacheDir = dir);
        }

        /**
         * Bad data lines (no tab, bad base64 or label, too long) are left out and counted ({@link #badRecords})
         * instead of failing the open; the records are then numbered without them.
         */
        public Options withSkipBad(boolean skip) {
            return edit(d -> d.skipBad = skip);
        }

        /** These options with {@code change} applied (and checked again by the constructor). */
        private Options edit(Consumer<Draft> change) {
            Draft d = new Draft(this);
            change.accept(d);
            return new Options(rank, worldSize, batch, seed, augmentation, decoder, d.prefetch, d.decodeThreads, d.globalOrder,
                    d.maxLineBytes, d.indexCacheDir, d.skipBad);
        }

        /** The options a wither may change, mutable, so that each wither names only what it changes. */
        private static final class Draft {
            int prefetch;
            int decodeThreads;
            boolean globalOrder;
            int maxLineBytes;
            Path indexCacheDir;
            boolean skipBad;

            Draft(Options o) {
                prefetch = o.prefetch;
                decodeThreads = o.decodeThreads;
                globalOrder = o.globalOrder;
                maxLineBytes = o.maxLineBytes;
                indexCacheDir = o.indexCacheDir;
                skipBad = o.skipBad;
            }
        }
    }

    /**
     * One decoded batch.
     *
     * @param images B·3·H·W floats, sample-major, CHW inside (as {@link BatchTensor#of} takes them)
     * @param labels the B class ids
     * @param epoch  the epoch it belongs to
     * @param index  its index within the epoch, 0-based
     */
    public record Batch(float[] images, long[] labels, int epoch, int index) {}

    // What a decode thread hands over: a batch, or the error that stopped the thread.
    private record Item(Batch batch, RuntimeException error) {}

    private final Options options;
    private final ShardRecords shard;
    private final BadRecords bad;
    private final int batchesPerEpoch;
    // records one step consumes over all ranks it draws from, this rank's first place in them, the rank key of
    // the random streams: (batch, 0, rank) per rank; (batch·worldSize, rank·batch, GLOBAL) in global order
    private final long recordsPerStep;
    private final long rankOffset;
    private final long streamRank;
    private final long firstSeq;
    private final List<BlockingQueue<Item>> queues = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicLong waitNanos = new AtomicLong();
    private volatile boolean closed;
    private long nextSeq;
    private RuntimeException failure;

    private ShardLoader(Options options, ShardRecords shard, BadRecords bad, int startEpoch, int startBatch) {
        this.options = options;
        this.shard = shard;
        this.bad = bad;
        this.recordsPerStep = options.globalOrder() ? (long) options.batch() * options.worldSize() : options.batch();
        this.rankOffset = options.globalOrder() ? (long) options.rank() * options.batch() : 0;
        this.streamRank = options.globalOrder() ? GLOBAL_STREAM : options.rank();
        this.batchesPerEpoch = (int) (shard.size() / recordsPerStep);
        if (batchesPerEpoch == 0) {
            throw new IllegalArgumentException((options.globalOrder() ? "the data set" : "rank " + options.rank()) + " has "
                    + shard.size() + " records, fewer than one " + (options.globalOrder() ? "global " : "") + "batch of " + recordsPerStep);
        }
        if (startEpoch < 0 || startBatch < 0 || startBatch >= batchesPerEpoch) {
            throw new IllegalArgumentException("cannot start at epoch " + startEpoch + " batch " + startBatch
                    + ": an epoch has " + batchesPerEpoch + " batches");
        }
        this.firstSeq = (long) startEpoch * batchesPerEpoch + startBatch;
        this.nextSeq = firstSeq;
        int n = options.decodeThreads();
        int depth = (options.prefetch() + n - 1) / n;
        for (int t = 0; t < n; t++) {
            BlockingQueue<Item> queue = new ArrayBlockingQueue<>(depth);
            queues.add(queue);
            int first = t;
            Thread thread = new Thread(() -> decodeLoop(firstSeq + first, queue),
                    "plscj-loader-r" + options.rank() + "-" + t);
            thread.setDaemon(true);
            threads.add(thread);
        }
        threads.forEach(Thread::start);
    }

    /** Opens {@code dir} for this rank, starting at epoch 0, batch 0. */
    public static ShardLoader open(Path dir, Options options) throws IOException {
        return open(dir, options, 0, 0);
    }

    /**
     * Opens {@code dir} for this rank, starting at batch {@code startBatch} of epoch {@code startEpoch}
     * (to resume: the batches are exactly those an uninterrupted run has from there).
     */
    public static ShardLoader open(Path dir, Options options, int startEpoch, int startBatch) throws IOException {
        BadRecords bad = new BadRecords();
        ShardRecords records = options.globalOrder()
                ? ShardRecords.open(dir, 0, 1, options.maxLineBytes(), options.skipBad(), bad, options.indexCacheDir())
                : ShardRecords.open(dir, options.rank(), options.worldSize(), options.maxLineBytes(), options.skipBad(), bad,
                        options.indexCacheDir());
        try {
            return new ShardLoader(options, records, bad, startEpoch, startBatch);
        } catch (RuntimeException e) {
            records.close();
            throw e;
        }
    }

    /** The records of this rank. */
    public int shardSize() {
        return shard.size();
    }

    /** The bad lines left out under {@link Options#withSkipBad} (of the files this rank indexed); none otherwise. */
    public BadRecords badRecords() {
        return bad;
    }

    /** The largest label in this rank's records (to check a config's num_classes before training). */
    public long maxLabel() {
        return shard.maxLabel();
    }

    /** Full batches per epoch (the incomplete last one is dropped). */
    public int batchesPerEpoch() {
        return batchesPerEpoch;
    }

    public Options options() {
        return options;
    }

    /** Total nanoseconds {@link #next} spent waiting for decoded data (the benchmark's "data" time). */
    public long waitNanos() {
        return waitNanos.get();
    }

    /**
     * The next batch, in order (epochs follow one another without end).
     *
     * @throws PlscFormatException naming the file and line of a record that does not decode
     * @throws IllegalStateException after {@link #close}, or wrapping another decode error (with file and line)
     */
    public Batch next() throws InterruptedException {
        if (closed) {
            throw new IllegalStateException("the loader is closed");
        }
        if (failure != null) {
            throw failure;
        }
        BlockingQueue<Item> queue = queues.get((int) ((nextSeq - firstSeq) % queues.size()));
        long start = System.nanoTime();
        Item item = queue.take();
        waitNanos.addAndGet(System.nanoTime() - start);
        if (item.error() != null) {
            failure = item.error();
            throw failure;
        }
        nextSeq++;
        return item.batch();
    }

    /** Stops and joins the decode threads; buffered batches are dropped. Idempotent. */
    @Override
    public void close() {
        closed = true;
        threads.forEach(Thread::interrupt);
        boolean interrupted = false;
        for (Thread thread : threads) {
            while (thread.isAlive()) {
                try {
                    thread.join(TimeUnit.SECONDS.toMillis(10));
                    if (thread.isAlive()) {
                        thread.interrupt(); // e.g. an interrupt swallowed inside ImageIO
                    }
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        queues.forEach(BlockingQueue::clear);
        try {
            shard.close();
        } catch (IOException e) {
            // read-only channels: nothing is lost when closing one fails
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void decodeLoop(long seq, BlockingQueue<Item> queue) {
        int step = options.decodeThreads();
        int orderEpoch = -1;
        int[] order = null;
        try {
            for (; !closed; seq += step) {
                int epoch = (int) (seq / batchesPerEpoch);
                int index = (int) (seq % batchesPerEpoch);
                if (epoch != orderEpoch) {
                    order = epochOrder(epoch);
                    orderEpoch = epoch;
                }
                Item item;
                try {
                    item = new Item(decode(epoch, index, order), null);
                } catch (RuntimeException e) {
                    item = new Item(null, e);
                }
                queue.put(item);
                if (item.error() != null) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            // closed: exit
        }
    }

    /** The shard's visiting order in {@code epoch}: a Fisher–Yates shuffle. */
    int[] epochOrder(int epoch) {
        SplittableRandom rng = Augmentation.sampleRandom(options.seed(), epoch, streamRank, -1);
        int[] order = new int[shard.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        for (int i = order.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    private Batch decode(int epoch, int index, int[] order) {
        ImageDecoder decoder = options.decoder();
        int b = options.batch();
        int size = decoder.sampleSize();
        float[] images = new float[b * size];
        long[] labels = new long[b];
        for (int j = 0; j < b; j++) {
            long position = index * recordsPerStep + rankOffset + j;
            int record = order[(int) position];
            boolean mirror = options.augmentation().mirror(
                    Augmentation.sampleRandom(options.seed(), epoch, streamRank, position));
            try {
                decoder.decodeInto(shard.image(record), shard.where(record), mirror, images, j * size);
            } catch (PlscFormatException e) {
                throw e; // its message already names the file and line
            } catch (IOException | RuntimeException | Error e) {
                throw new IllegalStateException(shard.where(record) + ": decoding failed (" + e + ")", e);
            }
            labels[j] = shard.label(record);
        }
        return new Batch(images, labels, epoch, index);
    }
}
