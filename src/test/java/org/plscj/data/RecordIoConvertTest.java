package org.plscj.data;

import static org.plscj.data.DataCli.records;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecordIoConvertTest {
    private static final byte[] MAGIC_BYTES = le(RecordIo.MAGIC);

    @TempDir
    Path tmp;
    private final DataCli cli = new DataCli();
    private final StringWriter out = cli.out;
    private final StringWriter err = cli.err;

    private static byte[] le(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }

    /** mxnet.recordio.pack: IRHeader '<IfQQ' (flag = number of labels, label 0 when flag > 0), labels, bytes. */
    static byte[] pack(float[] labels, byte[] image) {
        int flag = labels.length == 1 ? 0 : labels.length;
        ByteBuffer b = ByteBuffer.allocate(24 + 4 * flag + image.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(flag).putFloat(flag == 0 ? labels[0] : 0f).putLong(0).putLong(0);
        if (flag > 0) {
            for (float l : labels) {
                b.putFloat(l);
            }
        }
        return b.put(image).array();
    }

    /** dmlc RecordIOWriter::WriteRecord: split at 4-aligned magics into cflag 1/2/3 parts, pad to 4. */
    static void frame(ByteArrayOutputStream rec, byte[] buf) {
        int dptr = 0;
        for (int i = 0; i + 4 <= (buf.length & ~3); i += 4) {
            if (buf[i] == MAGIC_BYTES[0] && buf[i + 1] == MAGIC_BYTES[1] && buf[i + 2] == MAGIC_BYTES[2]
                    && buf[i + 3] == MAGIC_BYTES[3]) {
                rec.writeBytes(MAGIC_BYTES);
                rec.writeBytes(le(((dptr == 0 ? 1 : 2) << 29) | (i - dptr)));
                rec.write(buf, dptr, i - dptr);
                dptr = i + 4;
            }
        }
        rec.writeBytes(MAGIC_BYTES);
        rec.writeBytes(le(((dptr != 0 ? 3 : 0) << 29) | (buf.length - dptr)));
        rec.write(buf, dptr, buf.length - dptr);
        rec.writeBytes(new byte[(4 - buf.length % 4) % 4]);
    }

    /** Writes name.rec + name.idx (MXIndexedRecordIO.write_idx: 'key\toffset\n'); returns the .rec. */
    private Path write(String name, List<byte[]> payloads) throws IOException {
        ByteArrayOutputStream rec = new ByteArrayOutputStream();
        StringBuilder idx = new StringBuilder();
        for (int key = 0; key < payloads.size(); key++) {
            idx.append(key).append('\t').append(rec.size()).append('\n');
            frame(rec, payloads.get(key));
        }
        Files.writeString(tmp.resolve(name + ".idx"), idx);
        return Files.write(tmp.resolve(name + ".rec"), rec.toByteArray());
    }

    private final List<byte[]> images = List.of(
            "\u00ff\u00d8first-jpeg".getBytes(StandardCharsets.ISO_8859_1),
            concat("PNG-".getBytes(StandardCharsets.US_ASCII), MAGIC_BYTES, "after the magic".getBytes(StandardCharsets.US_ASCII)),
            "third!".getBytes(StandardCharsets.US_ASCII));
    private final int[] labels = {0, 7, 7};

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return b.toByteArray();
    }

    /** insightface layout: header (4, 6), images 1..3, identity records 4, 5. */
    private Path insightface() throws IOException {
        List<byte[]> payloads = new ArrayList<>();
        payloads.add(pack(new float[] {4, 6}, new byte[0]));
        for (int i = 0; i < images.size(); i++) {
            payloads.add(pack(new float[] {labels[i]}, images.get(i)));
        }
        payloads.add(pack(new float[] {1, 2}, new byte[0]));
        payloads.add(pack(new float[] {2, 4}, new byte[0]));
        return write("train", payloads);
    }

    private int data(String... args) {
        return cli.run(args);
    }

    @Test
    void splitRecordIsFramedInParts() throws IOException {
        ByteArrayOutputStream rec = new ByteArrayOutputStream();
        byte[] payload = pack(new float[] {7}, images.get(1));
        frame(rec, payload);
        ByteBuffer b = ByteBuffer.wrap(rec.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(1, b.getInt(4) >>> 29, "first part");
        int first = b.getInt(4) & ((1 << 29) - 1);
        assertEquals(3, b.getInt(8 + first + 4) >>> 29, "last part");
    }

    @Test
    void insightfaceLayoutConvertsImagesOnly() throws IOException {
        Path rec = insightface();
        Path dir = tmp.resolve("ds");
        assertEquals(0, data("convert", "--from-recordio", rec.toString(), "--out", dir.toString()), err.toString());
        List<PlscRecord> records = records(dir);
        assertEquals(images.size(), records.size());
        for (int i = 0; i < images.size(); i++) {
            assertArrayEquals(images.get(i), records.get(i).image(), "image " + i);
            assertEquals(labels[i], records.get(i).label(), "image " + i);
        }
        assertTrue(out.toString().contains("3 images, 2 classes → 1 file(s)"), out.toString());
    }

    @Test
    void roundRobinOverFiles() throws IOException {
        Path dir = tmp.resolve("ds");
        assertEquals(new DataConvert.Result(3, 2, 2, 0), DataConvert.fromRecordIo(insightface(), dir, 2));
        assertEquals(List.of(PlscRecord.format(images.get(0), 0), PlscRecord.format(images.get(2), 7)),
                Files.readAllLines(dir.resolve("part-00000")));
        assertEquals(List.of(PlscRecord.format(images.get(1), 7)), Files.readAllLines(dir.resolve("part-00001")));
    }

    @Test
    void withoutHeaderEveryRecordIsAnImage() throws IOException {
        List<byte[]> payloads = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            payloads.add(pack(new float[] {labels[i]}, images.get(i)));
        }
        Path dir = tmp.resolve("ds");
        DataConvert.fromRecordIo(write("plain", payloads), dir, 1);
        List<PlscRecord> records = records(dir);
        assertEquals(3, records.size());
        for (int i = 0; i < images.size(); i++) {
            assertArrayEquals(images.get(i), records.get(i).image(), "image " + i);
            assertEquals(labels[i], records.get(i).label(), "image " + i);
        }
    }

    private void assertError(Path rec, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DataConvert.fromRecordIo(rec, tmp.resolve("ds"), 1));
        assertTrue(e.getMessage().contains(rec.toString()), e.getMessage());
        for (String fragment : fragments) {
            assertTrue(e.getMessage().contains(fragment), e.getMessage());
        }
        assertFalse(Files.exists(tmp.resolve("ds")));
    }

    private long offset(int key) throws IOException {
        return Long.parseLong(Files.readAllLines(tmp.resolve("train.idx")).get(key).split("\t")[1]);
    }

    @Test
    void corruptMagicIsAnErrorNamingFileAndRecord() throws IOException {
        Path rec = insightface();
        byte[] bytes = Files.readAllBytes(rec);
        bytes[(int) offset(2)] ^= 1;
        Files.write(rec, bytes);
        assertError(rec, "record 2 at byte offset " + offset(2), "bad magic");
    }

    @Test
    void truncatedFileIsAnErrorNamingFileAndRecord() throws IOException {
        Path rec = insightface();
        byte[] bytes = Files.readAllBytes(rec);
        Files.write(rec, java.util.Arrays.copyOf(bytes, (int) offset(3) + 12));
        assertError(rec, "record 3 at byte offset " + offset(3), "truncated");
    }

    @Test
    void idxOffsetPastTheEndIsAnError() throws IOException {
        Path rec = insightface();
        Files.writeString(tmp.resolve("train.idx"), "0\t0\n1\t99999\n2\t0\n3\t0\n", StandardCharsets.UTF_8);
        assertError(rec, "record 1 at byte offset 99999", "past the end");
    }

    @Test
    void missingIdxIsAnError() throws IOException {
        Path rec = insightface();
        Files.delete(tmp.resolve("train.idx"));
        assertError(rec, "train.idx", "missing");
    }

    @Test
    void nonIntegerLabelsAreErrors() throws IOException {
        for (float bad : new float[] {1.5f, -1f, Float.NaN}) {
            List<byte[]> payloads = List.of(pack(new float[] {0}, images.get(0)), pack(new float[] {bad}, images.get(2)));
            Path rec = write("bad", payloads);
            assertError(rec, "record 1", "not a non-negative integer");
        }
    }

    @Test
    void pythonFixtureReads() throws Exception {
        Path src = Path.of(RecordIoConvertTest.class.getResource("/fixtures/recordio/train.rec").toURI());
        Path rec = Files.copy(src, tmp.resolve("train.rec"));
        Files.copy(src.resolveSibling("train.idx"), tmp.resolve("train.idx"));
        List<String> expected;
        try (InputStream in = RecordIoConvertTest.class.getResourceAsStream("/fixtures/recordio/expected.txt")) {
            expected = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
        Path dir = tmp.resolve("ds");
        assertEquals(new DataConvert.Result(3, 2, 1, 0), DataConvert.fromRecordIo(rec, dir, 1));
        List<PlscRecord> records = records(dir);
        assertEquals(expected.size(), records.size());
        for (int i = 0; i < records.size(); i++) {
            String[] fields = expected.get(i).split(" ");
            assertArrayEquals(HexFormat.of().parseHex(fields[0]), records.get(i).image(), "image " + i);
            assertEquals(Integer.parseInt(fields[1]), records.get(i).label(), "image " + i);
        }
        // The fixture's second image holds the magic, so the Python writer split its record.
        byte[] bytes = Files.readAllBytes(rec);
        int at = (int) Long.parseLong(Files.readAllLines(tmp.resolve("train.idx")).get(2).split("\t")[1]);
        assertEquals(1, ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getInt(at + 4) >>> 29);
    }
}
