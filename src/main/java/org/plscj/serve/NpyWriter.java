package org.plscj.serve;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import org.plscj.io.AtomicFile;

/**
 * Streams a float32 matrix [rows, cols] into a NumPy {@code .npy} file (format 1.0, little-endian
 * {@code <f4}, C order), rows appended as they come; the row count goes into the header on
 * {@link #close}. Written to {@code FILE.tmp} and renamed, so a failed run leaves no half file.
 */
public final class NpyWriter implements AutoCloseable {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
    /** Magic (8) + header length (2) + header: 128 bytes, a multiple of 64 as the format asks, room for any shape. */
    private static final int PREAMBLE = 128;

    private final Path file;
    private final Path tmp;
    private final FileChannel channel;
    private final int cols;
    private long rows;
    private boolean done;

    public NpyWriter(Path file, int cols) throws IOException {
        this.file = file;
        this.tmp = file.resolveSibling(file.getFileName() + ".tmp");
        this.cols = cols;
        channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        channel.write(header("<f4", "(0, " + cols + ")"));
    }

    /** Appends one row of {@code cols} values. */
    public void write(float[] row) throws IOException {
        if (row.length != cols) {
            throw new IllegalArgumentException("row " + rows + " has " + row.length + " values, expected " + cols);
        }
        ByteBuffer b = ByteBuffer.allocate(4 * cols).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(row);
        while (b.hasRemaining()) {
            channel.write(b);
        }
        rows++;
    }

    public long rows() {
        return rows;
    }

    /** Writes the final header and renames the file into place. */
    public void commit() throws IOException {
        channel.write(header("<f4", "(" + rows + ", " + cols + ")"), 0);
        channel.force(true);
        channel.close();
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        done = true;
    }

    /** Without a commit, deletes the partial file. */
    @Override
    public void close() throws IOException {
        if (!done) {
            channel.close();
            Files.deleteIfExists(tmp);
        }
    }

    /** Writes {@code rows} as a float32 matrix [rows, cols], a null row as NaNs (a skipped image's features), atomically. */
    public static void writeRows(Path file, float[][] rows, int cols) throws IOException {
        float[] missing = new float[cols];
        Arrays.fill(missing, Float.NaN);
        try (NpyWriter npy = new NpyWriter(file, cols)) {
            for (float[] row : rows) {
                npy.write(row == null ? missing : row);
            }
            npy.commit();
        }
    }

    /**
     * Writes {@code values} as a float64 vector ({@code <f8}, shape (n,), as {@code np.save} of a float64 array),
     * atomically.
     */
    public static void writeDoubles(Path file, double[] values) throws IOException {
        AtomicFile.write(file, out -> {
            ByteBuffer h = header("<f8", "(" + values.length + ",)");
            out.write(h.array(), 0, h.limit());
            ByteBuffer b = ByteBuffer.allocate(8 * 4096).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < values.length; i += 4096) {
                b.clear();
                int n = Math.min(4096, values.length - i);
                b.asDoubleBuffer().put(values, i, n);
                out.write(b.array(), 0, 8 * n);
            }
        });
    }

    private static ByteBuffer header(String descr, String shape) {
        StringBuilder dict = new StringBuilder("{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }");
        while (dict.length() < PREAMBLE - MAGIC.length - 2 - 1) {
            dict.append(' ');
        }
        dict.append('\n');
        byte[] text = dict.toString().getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(PREAMBLE).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).putShort((short) text.length).put(text).flip();
        return b;
    }
}
