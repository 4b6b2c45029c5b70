package org.plscj.data;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Hands out the lines of a file as byte ranges of a large buffer, so reading a data file costs no
 * per-line object: a line is what lies between two {@code \n} (a {@code \r} before the {@code \n} is not
 * part of it, as {@link java.io.BufferedReader#readLine} drops it too); the last line may lack its {@code \n}.
 *
 * <p>Memory: one buffer of 1 MiB, grown up to the line length limit only when a line needs it. A line longer
 * than the limit is never buffered whole: it is reported to {@link Visitor#tooLong} and skipped to its end,
 * so a multi-GB line (a file that is not PLSC data, a missing newline) cannot run the heap out.
 */
final class LineScanner {
    /** PLSC's lines are one image each: 64 MiB of base64 is far beyond any face crop. */
    static final int DEFAULT_MAX_LINE_BYTES = 64 << 20;
    private static final int INITIAL_BUFFER = 1 << 20;

    /** Receives each line; the bytes are valid only during the call. */
    interface Visitor {
        /** The line {@code buf[start, end)}, the {@code lineNo}-th (1-based), starting at byte {@code offset} of the file. */
        void line(byte[] buf, int start, int end, long lineNo, long offset) throws IOException;

        /** A line of more than {@code limit} bytes; by default an error naming the file, line and byte offset. */
        default void tooLong(String file, long lineNo, long offset, int limit) throws IOException {
            throw tooLongError(file, lineNo, offset, limit);
        }
    }

    private LineScanner() {}

    static PlscFormatException tooLongError(String file, long lineNo, long offset, int limit) {
        return new PlscFormatException(file, lineNo, BadReason.LINE_TOO_LONG,
                "more than " + limit + " bytes from byte offset " + offset + "; the limit is configurable");
    }

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long NEWLINES = 0x0a0a0a0a0a0a0a0aL;
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;

    /** The first {@code \n} in {@code buf[from, to)}, or -1; 8 bytes a step (the zero-byte test of a long). */
    static int indexOfNewline(byte[] buf, int from, int to) {
        int i = from;
        for (; i + 8 <= to; i += 8) {
            long v = (long) LONGS.get(buf, i) ^ NEWLINES;
            long zero = (v - ONES) & ~v & HIGHS;
            if (zero != 0) {
                return i + (Long.numberOfTrailingZeros(zero) >>> 3);
            }
        }
        for (; i < to; i++) {
            if (buf[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    /**
     * Scans {@code file} for data records: a {@link PlscFormatException} thrown by {@code records} for a line, or a
     * line longer than the limit, stops the scan, or under {@code skipBad} is counted in {@code bad} and skipped.
     */
    static void scanRecords(Path file, int maxLineBytes, boolean skipBad, BadRecords bad, Visitor records)
            throws IOException {
        scan(file, maxLineBytes, new Visitor() {
            @Override
            public void line(byte[] buf, int start, int end, long lineNo, long offset) throws IOException {
                try {
                    records.line(buf, start, end, lineNo, offset);
                } catch (PlscFormatException e) {
                    skip(e);
                }
            }

            @Override
            public void tooLong(String name, long lineNo, long offset, int limit) {
                skip(tooLongError(name, lineNo, offset, limit));
            }

            private void skip(PlscFormatException e) {
                if (!skipBad) {
                    throw e;
                }
                bad.add(e);
            }
        });
    }

    static void scan(Path file, int maxLineBytes, Visitor visitor) throws IOException {
        if (maxLineBytes <= 0) {
            throw new IllegalArgumentException("the line length limit must be positive, got " + maxLineBytes);
        }
        // room for the longest line allowed plus its \r\n
        int cap = (int) Math.min(Integer.MAX_VALUE - 8, (long) maxLineBytes + 2);
        byte[] buf = new byte[Math.min(INITIAL_BUFFER, cap)];
        String name = file.toString();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long bufStart = 0; // file offset of buf[0]
            int filled = 0;
            int lineStart = 0;
            int searchFrom = 0;
            long lineNo = 0;
            boolean skipping = false; // inside a too-long line, looking for its end
            boolean eof = false;
            while (true) {
                int nl = indexOfNewline(buf, searchFrom, filled);
                if (nl >= 0) {
                    if (skipping) {
                        skipping = false;
                    } else {
                        lineNo++;
                        int end = nl > lineStart && buf[nl - 1] == '\r' ? nl - 1 : nl;
                        if (end - lineStart > maxLineBytes) {
                            visitor.tooLong(name, lineNo, bufStart + lineStart, maxLineBytes);
                        } else {
                            visitor.line(buf, lineStart, end, lineNo, bufStart + lineStart);
                        }
                    }
                    lineStart = nl + 1;
                    searchFrom = lineStart;
                    continue;
                }
                if (eof) {
                    if (lineStart < filled && !skipping) {
                        lineNo++;
                        if (filled - lineStart > maxLineBytes) {
                            visitor.tooLong(name, lineNo, bufStart + lineStart, maxLineBytes);
                        } else {
                            visitor.line(buf, lineStart, filled, lineNo, bufStart + lineStart);
                        }
                    }
                    return;
                }
                if (!skipping && filled - lineStart > maxLineBytes + 1) {
                    lineNo++;
                    visitor.tooLong(name, lineNo, bufStart + lineStart, maxLineBytes);
                    skipping = true;
                }
                if (skipping) {
                    // drop what has been searched: the too-long line's bytes are never kept
                    bufStart += filled;
                    filled = 0;
                    lineStart = 0;
                } else if (lineStart > 0) {
                    System.arraycopy(buf, lineStart, buf, 0, filled - lineStart);
                    bufStart += lineStart;
                    filled -= lineStart;
                    lineStart = 0;
                } else if (filled == buf.length) {
                    byte[] bigger = new byte[(int) Math.min(cap, 2L * buf.length)];
                    System.arraycopy(buf, 0, bigger, 0, filled);
                    buf = bigger;
                }
                searchFrom = filled;
                int n = channel.read(ByteBuffer.wrap(buf, filled, buf.length - filled));
                if (n < 0) {
                    eof = true;
                } else {
                    filled += n;
                }
            }
        }
    }
}
