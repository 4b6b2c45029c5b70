package org.plscj.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * Reads insightface's MXNet RecordIO datasets ({@code train.rec} + {@code train.idx} beside it) one
 * record at a time by seeking to the offsets of the {@code .idx}; the {@code .rec} is never loaded whole.
 *
 * <p>Framing (dmlc recordio, little-endian): uint32 magic {@code 0xced7230a}, uint32 lrecord (cflag =
 * lrecord >>> 29, length = lrecord & (2^29 - 1)), {@code length} payload bytes, zero padding to a multiple
 * of 4. cflag 0 is a whole record; 1/2/3 are the first/middle/last parts of a record whose payload held
 * the magic, joined with the magic re-inserted. The payload is an IRHeader ({@code <IfQQ}: flag, label,
 * id, id2), then {@code flag} float32 labels when flag > 0 (the label is then the first), then the image.
 *
 * <p>insightface's layout: record 0 is a header with flag > 0 and labels (a, b); images are records
 * 1 .. a-1 (the identity records after them are not images). If record 0 has flag 0, every record of the
 * {@code .idx} is an image, in {@code .idx} order.
 */
public final class RecordIo implements AutoCloseable {
    /** The dmlc recordio magic. */
    public static final int MAGIC = 0xced7230a;
    /** Bytes of the IRHeader: uint32 flag, float32 label, uint64 id, uint64 id2. */
    public static final int IR_HEADER_BYTES = 24;
    private static final int LENGTH_MASK = (1 << 29) - 1;

    /** One decoded record: its IRHeader label (the first extra label when flag > 0) and image bytes. */
    public record Image(long key, float label, int flag, byte[] image) {
        /** The label as a class id; an error naming {@code where} unless it is a non-negative integer value. */
        public int classLabel(String where) {
            if (!(label >= 0) || label != Math.rint(label) || label > Integer.MAX_VALUE) {
                throw new PlscFormatException(BadReason.BAD_LABEL, where + ": label " + label
                        + " is not a non-negative integer value");
            }
            return (int) label;
        }
    }

    private final Path rec;
    private final Path idx;
    private final FileChannel channel;
    private final long size;
    /** .idx entries in file order. */
    private final long[] keys;
    private final long[] offsets;
    /** Positions into keys/offsets sorted by key, for lookups. */
    private final int[] byKey;
    private final long[] sortedKeys;

    private RecordIo(Path rec, Path idx, FileChannel channel, long[] keys, long[] offsets) throws IOException {
        this.rec = rec;
        this.idx = idx;
        this.channel = channel;
        this.size = channel.size();
        this.keys = keys;
        this.offsets = offsets;
        int n = keys.length;
        boolean sorted = true;
        for (int i = 1; i < n && sorted; i++) {
            sorted = keys[i - 1] < keys[i];
        }
        if (sorted) {
            byKey = null;
            sortedKeys = keys;
        } else {
            Integer[] order = new Integer[n];
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (a, b) -> Long.compare(keys[a], keys[b]));
            byKey = new int[n];
            sortedKeys = new long[n];
            for (int i = 0; i < n; i++) {
                byKey[i] = order[i];
                sortedKeys[i] = keys[order[i]];
                if (i > 0 && sortedKeys[i] == sortedKeys[i - 1]) {
                    throw new PlscFormatException(idx + ": record index " + sortedKeys[i] + " appears twice");
                }
            }
        }
    }

    /** insightface's file names: a data directory holding them (and no file list) is read as RecordIO. */
    public static final String TRAIN_REC = "train.rec";

    /** {@code dir/train.rec} when {@code dir} is an insightface RecordIO directory (no PLSC file list, a train.rec). */
    public static java.util.Optional<Path> recIn(Path dir) {
        Path rec = dir.resolve(TRAIN_REC);
        return !Files.exists(dir.resolve(PlscDataset.FILE_LIST)) && Files.isRegularFile(rec)
                ? java.util.Optional.of(rec) : java.util.Optional.empty();
    }

    /** The {@code .idx} of this {@code .rec}. */
    public Path idx() {
        return idx;
    }

    /** The {@code .idx} beside {@code rec}: same name with the extension replaced by {@code .idx}. */
    public static Path idxFor(Path rec) {
        String name = rec.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return rec.resolveSibling((dot > 0 ? name.substring(0, dot) : name) + ".idx");
    }

    /** Opens {@code rec} and reads its {@code .idx} (offsets only; no record is read yet). */
    public static RecordIo open(Path rec) throws IOException {
        if (!Files.isRegularFile(rec)) {
            throw new PlscFormatException(rec + " is not a file");
        }
        Path idx = idxFor(rec);
        if (!Files.isRegularFile(idx)) {
            throw new PlscFormatException(rec + ": its index " + idx + " is missing");
        }
        long[] keys = new long[1024];
        long[] offsets = new long[1024];
        int n = 0;
        try (BufferedReader reader = Files.newBufferedReader(idx, StandardCharsets.UTF_8)) {
            String line;
            long lineNo = 0;
            while ((line = reader.readLine()) != null) {
                lineNo++;
                String text = line.strip();
                if (text.isEmpty()) {
                    continue;
                }
                String[] fields = text.split("\\s+");
                if (fields.length != 2 || !fields[0].matches("[0-9]+") || !fields[1].matches("[0-9]+")) {
                    throw new PlscFormatException(idx + " line " + lineNo
                            + ": expected '<record index>\\t<byte offset>', found '" + text + "'");
                }
                if (n == keys.length) {
                    keys = Arrays.copyOf(keys, n * 2);
                    offsets = Arrays.copyOf(offsets, n * 2);
                }
                try {
                    keys[n] = Long.parseLong(fields[0]);
                    offsets[n] = Long.parseLong(fields[1]);
                } catch (NumberFormatException e) {
                    throw new PlscFormatException(idx + " line " + lineNo + ": number too large in '" + text + "'");
                }
                n++;
            }
        }
        if (n == 0) {
            throw new PlscFormatException(idx + " lists no record");
        }
        FileChannel channel = FileChannel.open(rec, StandardOpenOption.READ);
        try {
            return new RecordIo(rec, idx, channel, Arrays.copyOf(keys, n), Arrays.copyOf(offsets, n));
        } catch (RuntimeException | IOException e) {
            channel.close();
            throw e;
        }
    }

    /** Record indices in {@code .idx} order. */
    public long[] keys() {
        return keys.clone();
    }

    /**
     * Record indices of the images, following insightface's layout (see the class comment), exact beyond 2^24:
     * the header's float32 {@code a} only tells the images' end to within its rounding, so the images are the
     * {@code .idx} keys in [1, a) where the keys that round to {@code a} count as images when they hold image
     * bytes (the identity records after the images hold none). The last image key + 1 must round to {@code a}.
     */
    public long[] imageKeys() throws IOException {
        if (position(0) < 0) {
            return keys.clone();
        }
        Image first = read(0);
        if (first.flag() == 0) {
            return keys.clone();
        }
        float a = first.label();
        if (!(a >= 1) || a != Math.rint(a) || a > Integer.MAX_VALUE) {
            throw new PlscFormatException(rec + " record 0: header label " + a
                    + " is not a positive integer (expected the index after the last image)");
        }
        long lo = (long) a;
        while ((float) (lo - 1) == a) {
            lo--;
        }
        long hi = (long) a; // the largest integer that rounds to a, plus one
        while ((float) hi == a) {
            hi++;
        }
        int from = lowerBound(1);
        int to = lowerBound(lo);
        int end = to;
        while (end < sortedKeys.length && sortedKeys[end] < hi - 1 && read(sortedKeys[end]).image().length > 0) {
            end++;
        }
        long last = end > from ? sortedKeys[end - 1] : 0;
        if ((float) (last + 1) != a) {
            throw new PlscFormatException(rec + ": header record 0 says the images are records 1.." + (lo - 1)
                    + (hi - 1 > lo ? " to " + (hi - 2) : "") + " (float32 " + a + ") but " + idx + " lists "
                    + (end > from ? "images up to record " + last : "no image record"));
        }
        return Arrays.copyOfRange(sortedKeys, from, end);
    }

    /** The position in sortedKeys of the first key ≥ {@code key}. */
    private int lowerBound(long key) {
        int i = Arrays.binarySearch(sortedKeys, key);
        return i >= 0 ? i : -i - 1;
    }

    private int position(long key) {
        int i = Arrays.binarySearch(sortedKeys, key);
        if (i < 0) {
            return -1;
        }
        return byKey == null ? i : byKey[i];
    }

    /** Reads and decodes the record {@code key} of the {@code .idx}. */
    public Image read(long key) throws IOException {
        int pos = position(key);
        if (pos < 0) {
            throw new PlscFormatException(rec + ": record " + key + " is not in " + idx);
        }
        long offset = offsets[pos];
        String where = rec + " record " + key + " at byte offset " + offset + ": ";
        return parse(key, readPayload(channel, size, offset, where, idx).bytes(), where);
    }

    /** A record's payload (parts joined) and the file offset just after its last part. */
    record Payload(byte[] bytes, long end) {}

    /** The image record {@code key}'s byte span and class label: what the loader's index keeps of it. */
    record Span(long offset, int length, int label) {}

    /** Reads the record {@code key} whole (its framing checked) and returns its span and label. */
    Span span(long key) throws IOException {
        int pos = position(key);
        if (pos < 0) {
            throw new PlscFormatException(rec + ": record " + key + " is not in " + idx);
        }
        long offset = offsets[pos];
        String where = rec + " record " + key + " at byte offset " + offset + ": ";
        Payload payload = readPayload(channel, size, offset, where, idx);
        long length = payload.end() - offset;
        if (length > Integer.MAX_VALUE) {
            throw new PlscFormatException(where + "the record spans " + length + " bytes, more than 2 GiB");
        }
        return new Span(offset, (int) length, parse(key, payload.bytes(), where).classLabel(rec + " record " + key));
    }

    /** The image bytes of the record starting at {@code offset} of {@code channel} (a file of {@code size} bytes). */
    static byte[] readImage(FileChannel channel, long size, long offset, String where) throws IOException {
        return parse(-1, readPayload(channel, size, offset, where, null).bytes(), where).image();
    }

    /** Splits a payload into IRHeader and image bytes. */
    private static Image parse(long key, byte[] payload, String where) {
        if (payload.length < IR_HEADER_BYTES) {
            throw new PlscFormatException(where + "payload of " + payload.length
                    + " bytes is shorter than the " + IR_HEADER_BYTES + "-byte IRHeader");
        }
        ByteBuffer b = ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN);
        long flag = Integer.toUnsignedLong(b.getInt(0));
        float label = b.getFloat(4);
        int start = IR_HEADER_BYTES;
        if (flag > 0) {
            if (flag > (payload.length - IR_HEADER_BYTES) / 4) {
                throw new PlscFormatException(where + "IRHeader flag " + flag + " announces more labels than the "
                        + payload.length + "-byte payload holds");
            }
            label = b.getFloat(IR_HEADER_BYTES);
            start += (int) flag * 4;
        }
        return new Image(key, label, (int) flag, Arrays.copyOfRange(payload, start, payload.length));
    }

    /**
     * Reads the (possibly split) record starting at {@code offset}, joining parts with the magic.
     * {@code idx} (may be null) is named when the offset lies past the end of the file.
     */
    private static Payload readPayload(FileChannel channel, long size, long offset, String where, Path idx)
            throws IOException {
        if (offset >= size) {
            throw new PlscFormatException(where + (idx == null ? "the index" : idx) + " points past the end of the file ("
                    + size + " bytes)");
        }
        ByteBuffer head = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        byte[] out = new byte[0];
        int used = 0;
        long at = offset;
        int part = 0;
        while (true) {
            head.clear();
            readFully(channel, size, head, at, where, "header of part " + part);
            int magic = head.getInt(0);
            if (magic != MAGIC) {
                throw new PlscFormatException(where + String.format("bad magic 0x%08x at byte offset %d (expected 0x%08x)",
                        magic, at, MAGIC));
            }
            int lrecord = head.getInt(4);
            int cflag = lrecord >>> 29;
            int length = lrecord & LENGTH_MASK;
            if ((part == 0) != (cflag == 0 || cflag == 1)) {
                throw new PlscFormatException(where + "unexpected continuation flag " + cflag + " in part " + part
                        + " at byte offset " + at);
            }
            int padded = (length + 3) & ~3;
            if (at + 8 + padded > size) {
                throw new PlscFormatException(where + "truncated record: part " + part + " needs " + padded
                        + " bytes at byte offset " + (at + 8) + " but the file has " + size + " bytes");
            }
            int need = used + length + (cflag == 0 || cflag == 3 ? 0 : 4);
            if (need > out.length) {
                out = Arrays.copyOf(out, Math.max(need, out.length * 2));
            }
            ByteBuffer body = ByteBuffer.wrap(out, used, length);
            readFully(channel, size, body, at + 8, where, "payload of part " + part);
            used += length;
            at += 8 + padded;
            if (cflag == 0 || cflag == 3) {
                return new Payload(used == out.length ? out : Arrays.copyOf(out, used), at);
            }
            ByteBuffer.wrap(out, used, 4).order(ByteOrder.LITTLE_ENDIAN).putInt(MAGIC);
            used += 4;
            part++;
        }
    }

    private static void readFully(FileChannel channel, long size, ByteBuffer buf, long at, String where, String what)
            throws IOException {
        long p = at;
        while (buf.hasRemaining()) {
            int r = channel.read(buf, p);
            if (r < 0) {
                throw new PlscFormatException(where + "truncated record: file ends at byte " + size
                        + " inside the " + what);
            }
            p += r;
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
