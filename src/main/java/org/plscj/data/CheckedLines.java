package org.plscj.data;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The valid records of data files, in order, with the checking (tab, base64, label: the CPU-heavy part) done
 * on a second thread while this one scans the next lines and consumes the checked ones: lines are copied into
 * one of two chunks; a full chunk is checked on the checker thread while the other is filled. Bad lines fail,
 * or under skip-bad are counted, in file order, exactly as a one-thread scan would meet them.
 *
 * <p>Memory: two chunks of {@link #CHUNK_BYTES} (a longer line enlarges its chunk up to the line length limit)
 * plus 32 bytes per line of a chunk.
 */
final class CheckedLines implements AutoCloseable {
    static final int CHUNK_BYTES = 8 << 20;

    /**
     * Receives each valid line {@code buf[start, end)}, in file order, with where it lies: the {@code file}-th file
     * scanned (from 0), from byte {@code offset}.
     */
    interface Sink {
        void line(byte[] buf, int start, int end, int file, long offset) throws IOException;
    }

    private final boolean skipBad;
    private final BadRecords bad;
    private final Sink sink;
    private final ExecutorService checker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "plscj-line-checker");
        t.setDaemon(true);
        return t;
    });
    private Chunk filling = new Chunk();
    private Chunk spare = new Chunk();
    private Future<Chunk> checking;
    private int fileIndex = -1;

    /** Lines copied out of the scanner's buffer, and after checking each one's error (null: valid). */
    private static final class Chunk {
        byte[] bytes = new byte[CHUNK_BYTES];
        int used;
        int count;
        int[] starts = new int[1024];
        int[] ends = new int[1024];
        long[] lineNos = new long[1024];
        long[] offsets = new long[1024];
        int[] fileIndexes = new int[1024];
        String[] files = new String[1024];
        PlscFormatException[] errors = new PlscFormatException[1024];

        void add(byte[] buf, int start, int end, String file, int fileIndex, long lineNo, long offset,
                PlscFormatException error) {
            int length = end - start;
            if (bytes.length - used < length) {
                bytes = Arrays.copyOf(bytes, used + length);
            }
            if (count == starts.length) {
                int n = 2 * count;
                starts = Arrays.copyOf(starts, n);
                ends = Arrays.copyOf(ends, n);
                lineNos = Arrays.copyOf(lineNos, n);
                offsets = Arrays.copyOf(offsets, n);
                fileIndexes = Arrays.copyOf(fileIndexes, n);
                files = Arrays.copyOf(files, n);
                errors = Arrays.copyOf(errors, n);
            }
            System.arraycopy(buf, start, bytes, used, length);
            starts[count] = used;
            ends[count] = used + length;
            lineNos[count] = lineNo;
            offsets[count] = offset;
            fileIndexes[count] = fileIndex;
            files[count] = file;
            errors[count] = error;
            used += length;
            count++;
        }

        Chunk check() {
            for (int i = 0; i < count; i++) {
                if (errors[i] == null) {
                    try {
                        int tab = PlscRecord.checkedTab(bytes, starts[i], ends[i], files[i], lineNos[i]);
                        PlscRecord.label(bytes, tab, ends[i], files[i], lineNos[i], 0);
                    } catch (PlscFormatException e) {
                        errors[i] = e;
                    }
                }
            }
            return this;
        }

        void clear() {
            Arrays.fill(files, 0, count, null);
            Arrays.fill(errors, 0, count, null);
            used = 0;
            count = 0;
        }
    }

    CheckedLines(boolean skipBad, BadRecords bad, Sink sink) {
        this.skipBad = skipBad;
        this.bad = bad;
        this.sink = sink;
    }

    /** Feeds the lines of {@code file}; valid ones reach the sink now or during a later call. */
    void scan(Path file, int maxLineBytes) throws IOException {
        String name = file.toString();
        int index = ++fileIndex;
        LineScanner.scan(file, maxLineBytes, new LineScanner.Visitor() {
            @Override
            public void line(byte[] buf, int start, int end, long lineNo, long offset) throws IOException {
                if (filling.count > 0 && filling.used + (end - start) > CHUNK_BYTES) {
                    handOver();
                }
                filling.add(buf, start, end, name, index, lineNo, offset, null);
            }

            @Override
            public void tooLong(String file, long lineNo, long offset, int limit) {
                filling.add(new byte[0], 0, 0, file, index, lineNo, offset, LineScanner.tooLongError(file, lineNo, offset, limit));
            }
        });
    }

    /** Delivers every line fed so far. */
    void finish() throws IOException {
        handOver();
        drain(await(checking));
        checking = null;
    }

    /** Starts checking the filled chunk, then delivers the previous one (checked meanwhile) and reuses it. */
    private void handOver() throws IOException {
        Chunk full = filling;
        Future<Chunk> previous = checking;
        checking = checker.submit(full::check);
        if (previous != null) {
            Chunk done = await(previous);
            drain(done);
            done.clear();
            filling = done;
        } else {
            filling = spare;
        }
    }

    private void drain(Chunk chunk) throws IOException {
        for (int i = 0; i < chunk.count; i++) {
            PlscFormatException error = chunk.errors[i];
            if (error == null) {
                sink.line(chunk.bytes, chunk.starts[i], chunk.ends[i], chunk.fileIndexes[i], chunk.offsets[i]);
            } else if (skipBad) {
                bad.add(error);
            } else {
                throw error;
            }
        }
    }

    private static Chunk await(Future<Chunk> future) throws IOException {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while checking data lines");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    @Override
    public void close() {
        checker.shutdownNow();
    }
}
