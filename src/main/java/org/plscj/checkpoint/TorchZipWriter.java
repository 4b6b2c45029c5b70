package org.plscj.checkpoint;

import java.io.Closeable;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.bytedeco.pytorch.Tensor;
import org.plscj.tensor.Tensors;

/**
 * The zip container of torch.save: every record STORED (uncompressed) under one root folder, its
 * data starting on a 64-byte boundary as PyTorch's own writer pads them (torch.load(mmap=True)
 * maps the records in place).
 */
final class TorchZipWriter implements Closeable {
    private static final int ALIGNMENT = 64;
    private static final int LOCAL_HEADER_BYTES = 30;
    private static final int PAD_HEADER_BYTES = 4;
    private static final int CHUNK = 1 << 20;
    private static final LocalDateTime FIXED_TIME = LocalDateTime.of(2000, 1, 1, 0, 0);

    private final CountingStream counted;
    private final ZipOutputStream zip;
    private final String root;

    TorchZipWriter(OutputStream out, String root) {
        this.counted = new CountingStream(out);
        this.zip = new ZipOutputStream(counted);
        this.root = root;
    }

    void putBytes(String name, byte[] data) throws IOException {
        CRC32 crc = new CRC32();
        crc.update(data);
        begin(name, data.length, crc.getValue());
        zip.write(data);
        zip.closeEntry();
    }

    void putString(String name, String text) throws IOException {
        putBytes(name, text.getBytes(StandardCharsets.US_ASCII));
    }

    /** Writes a contiguous CPU tensor's bytes as they lie in memory (little-endian on x86/ARM). */
    void putTensor(String name, Tensor contiguous) throws IOException {
        long bytes = contiguous.nbytes();
        CRC32 crc = new CRC32();
        for (long at = 0; at < bytes; at += CHUNK) {
            crc.update(chunk(contiguous, at, bytes));
        }
        begin(name, bytes, crc.getValue());
        byte[] buffer = new byte[(int) Math.min(CHUNK, bytes)];
        for (long at = 0; at < bytes; at += CHUNK) {
            ByteBuffer piece = chunk(contiguous, at, bytes);
            int n = piece.remaining();
            piece.get(buffer, 0, n);
            zip.write(buffer, 0, n);
        }
        zip.closeEntry();
    }

    /** Writes the central directory and flushes everything to the underlying stream. */
    void finish() throws IOException {
        zip.finish();
        zip.flush();
    }

    /** Closes the underlying stream too. */
    @Override
    public void close() throws IOException {
        zip.close();
    }

    private static ByteBuffer chunk(Tensor contiguous, long at, long bytes) {
        return Tensors.byteWindow(contiguous, at, (int) Math.min(CHUNK, bytes - at));
    }

    private void begin(String name, long size, long crc) throws IOException {
        String path = root + "/" + name;
        ZipEntry entry = new ZipEntry(path);
        entry.setMethod(ZipEntry.STORED);
        entry.setSize(size);
        entry.setCompressedSize(size);
        entry.setCrc(crc);
        // why: a fixed time makes two writes of the same values byte-identical files
        entry.setTimeLocal(FIXED_TIME);
        entry.setExtra(padding(path));
        zip.putNextEntry(entry);
    }

    /** An extra field ("FB", as PyTorch names it) that pushes the record's data to the next boundary. */
    private byte[] padding(String path) {
        long dataStart = counted.count + LOCAL_HEADER_BYTES + path.getBytes(StandardCharsets.UTF_8).length + PAD_HEADER_BYTES;
        int pad = (int) ((ALIGNMENT - dataStart % ALIGNMENT) % ALIGNMENT);
        byte[] extra = new byte[PAD_HEADER_BYTES + pad];
        extra[0] = 'F';
        extra[1] = 'B';
        extra[2] = (byte) pad;
        extra[3] = (byte) (pad >>> 8);
        return extra;
    }

    /** Counts the bytes the zip stream has written so far, for the alignment above. */
    private static final class CountingStream extends FilterOutputStream {
        long count;

        CountingStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }
}
