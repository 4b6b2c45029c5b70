package org.plscj.tb;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * TensorFlow's record framing, as TensorBoard reads it: the data's length as a little-endian uint64, a masked CRC32C of
 * those 8 bytes, the data, a masked CRC32C of the data. The checksums let a reader tell a torn or damaged record from
 * a good one.
 */
final class TfRecord {
    /** Bytes around the data: length (8) and its checksum (4) before, the data's checksum (4) after. */
    static final int OVERHEAD = 16;

    private TfRecord() {}

    /** The framed record, ready to write. */
    static ByteBuffer frame(byte[] data) {
        ByteBuffer record = ByteBuffer.allocate(data.length + OVERHEAD).order(ByteOrder.LITTLE_ENDIAN);
        record.putLong(data.length);
        record.putInt(maskedCrc32c(record.array(), 0, Long.BYTES));
        record.put(data);
        record.putInt(maskedCrc32c(data, 0, data.length));
        return record.flip();
    }

    /**
     * CRC32C rotated right by 15 bits plus a constant, TensorFlow's {@code crc32c::Mask}: a checksum of data that itself
     * holds checksums is then not itself a plain CRC of them.
     */
    static int maskedCrc32c(byte[] bytes, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, offset, length);
        int value = (int) crc.getValue();
        return ((value >>> 15) | (value << 17)) + 0xa282ead8;
    }
}
