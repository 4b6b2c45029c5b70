package org.plscj.data;

import java.io.Closeable;
import java.io.IOException;
import java.util.List;

/**
 * The scatter's temporary buckets of {@link ShuffleSplit}: lines are added to them in input order, then each
 * bucket is loaded back whole, once, as its lines each ended by {@code \n} — the same bytes whatever the buckets
 * hold on disk, so the deal (and hence the output) does not depend on how they are stored.
 */
interface ShuffleBuckets extends Closeable {
    /** Adds the line {@code buf[start, end)}, which lies in the {@code file}-th source from byte {@code offset}. */
    void add(int bucket, byte[] buf, int start, int end, int file, long offset) throws IOException;

    /** Ends the scatter: everything added is on its way to disk. */
    void scattered() throws IOException;

    /** A bucket's lines: {@code bytes[0, size)}. */
    record Loaded(byte[] bytes, int size) {}

    /** Bucket {@code b}'s lines, each ended by {@code \n}, in {@code reuse} when it is large enough; its file is deleted. */
    Loaded load(int b, byte[] reuse) throws IOException;

    /** The bucket array a bucket of {@code size} bytes needs. */
    static byte[] room(byte[] reuse, long size, Object bucket) {
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException(bucket + " holds " + size + " bytes, more than one array: lower --memory-mb");
        }
        // an eighth more, so the next, slightly larger bucket does not allocate (and zero) another array
        return reuse.length >= size ? reuse : new byte[(int) Math.min(Integer.MAX_VALUE - 8, size + size / 8)];
    }

    /** Closes every file, then empties the list; the first failure is thrown after all were tried. */
    static void closeAll(List<? extends Closeable> files) throws IOException {
        IOException first = null;
        for (Closeable file : files) {
            try {
                file.close();
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        files.clear();
        if (first != null) {
            throw first;
        }
    }
}
