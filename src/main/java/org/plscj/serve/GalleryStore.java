package org.plscj.serve;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;
import org.plscj.io.AtomicFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gallery on disk under {@code --gallery-dir}: {@code gallery.snapshot} (every template at some
 * point, replaced atomically) and {@code gallery.log} (each enrolment and deletion since, appended
 * and fsynced before the server answers 200). Every {@code snapshotEvery} log records a new snapshot
 * is written and the log truncated.
 *
 * <p>Log record: int payload length, int CRC-32 of the payload, payload = byte op (1 enrol, 2 delete),
 * modified-UTF-8 id, and for an enrolment int dim and dim floats. Snapshot: "PLSCGAL1", int dim,
 * int count, count × (id, dim floats), then the CRC-32 of everything before it as a long.
 *
 * <p>Replay is last-writer-wins per id, so replaying a log over a snapshot that already contains it
 * (a crash between writing a snapshot and truncating the log) gives the same gallery. A torn last
 * log record (a crash mid-append: it was never acknowledged) is skipped with a warning and cut off;
 * a bad checksum with intact records after it is corruption and stops the start-up.
 */
final class GalleryStore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GalleryStore.class);
    static final String SNAPSHOT = "gallery.snapshot";
    static final String LOG_FILE = "gallery.log";
    private static final byte[] MAGIC = "PLSCGAL1".getBytes(StandardCharsets.US_ASCII);
    private static final byte ENROL = 1;
    private static final byte DELETE = 2;
    private static final int HEADER = 8;

    private final Path dir;
    private final int dim;
    private final int snapshotEvery;
    private final FileChannel log;
    private int recordsSinceSnapshot;

    private GalleryStore(Path dir, int dim, int snapshotEvery, FileChannel log) {
        this.dir = dir;
        this.dim = dim;
        this.snapshotEvery = snapshotEvery;
        this.log = log;
    }

    /** Opens (creating) the store in {@code dir} and replays it into {@code templates}. */
    static GalleryStore open(Path dir, int dim, int snapshotEvery, Map<String, float[]> templates) throws IOException {
        Files.createDirectories(dir);
        Path snapshot = dir.resolve(SNAPSHOT);
        if (Files.exists(snapshot)) {
            readSnapshot(snapshot, dim, templates);
        }
        Path logFile = dir.resolve(LOG_FILE);
        FileChannel log = FileChannel.open(logFile, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        GalleryStore store = new GalleryStore(dir, dim, snapshotEvery, log);
        try {
            store.recordsSinceSnapshot = store.replayLog(logFile, templates);
        } catch (IOException | RuntimeException e) {
            log.close();
            throw e;
        }
        return store;
    }

    void enrolled(String id, float[] template, Map<String, float[]> all) throws IOException {
        append(record(ENROL, id, template), all);
    }

    void deleted(String id, Map<String, float[]> all) throws IOException {
        append(record(DELETE, id, null), all);
    }

    /** Writes the whole gallery as the new snapshot, then empties the log. */
    void snapshot(Map<String, float[]> all) throws IOException {
        AtomicFile.write(dir.resolve(SNAPSHOT), out -> {
            CheckedOutputStream checked = new CheckedOutputStream(out, new CRC32());
            DataOutputStream data = new DataOutputStream(checked);
            data.write(MAGIC);
            data.writeInt(dim);
            data.writeInt(all.size());
            for (Map.Entry<String, float[]> e : all.entrySet()) {
                data.writeUTF(e.getKey());
                writeFloats(data, e.getValue());
            }
            data.flush();
            new DataOutputStream(out).writeLong(checked.getChecksum().getValue());
        });
        // why: the rename must be on disk before the log it replaces is emptied
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
        log.truncate(0);
        log.force(true);
        recordsSinceSnapshot = 0;
    }

    @Override
    public void close() throws IOException {
        log.close();
    }

    private void append(byte[] payload, Map<String, float[]> all) throws IOException {
        CRC32 crc = new CRC32();
        crc.update(payload);
        ByteBuffer record = ByteBuffer.allocate(HEADER + payload.length).putInt(payload.length).putInt((int) crc.getValue()).put(payload).flip();
        long end = log.size();
        while (record.hasRemaining()) {
            log.write(record, end + record.position());
        }
        log.force(false);
        if (++recordsSinceSnapshot >= snapshotEvery) {
            try {
                snapshot(all);
            } catch (IOException e) {
                // why not fail the request: its record is already durable in the log, which just keeps growing until a snapshot succeeds
                LOG.warn("{}: could not write a gallery snapshot ({}); the log keeps every change meanwhile", dir, e.toString());
            }
        }
    }

    private byte[] record(byte op, String id, float[] template) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream data = new DataOutputStream(bytes)) {
            data.writeByte(op);
            data.writeUTF(id);
            if (template != null) {
                data.writeInt(template.length);
                writeFloats(data, template);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory", e);
        }
        return bytes.toByteArray();
    }

    /** Applies the log's records; returns how many; cuts off a torn last record. */
    private int replayLog(Path file, Map<String, float[]> templates) throws IOException {
        ByteBuffer all = ByteBuffer.wrap(Files.readAllBytes(file));
        int records = 0;
        while (all.hasRemaining()) {
            int start = all.position();
            int length = all.remaining() >= HEADER ? all.getInt(start) : -1;
            if (length < 0 || length > all.remaining() - HEADER) {
                cutTornTail(file, start, all.limit());
                break;
            }
            byte[] payload = new byte[length];
            all.position(start + HEADER).get(payload);
            CRC32 crc = new CRC32();
            crc.update(payload);
            if ((int) crc.getValue() != all.getInt(start + 4)) {
                if (all.hasRemaining()) {
                    throw new IllegalStateException(file + ": the record at byte " + start + " fails its checksum and more records follow:"
                            + " the log is corrupt, not torn; restore the gallery directory from a backup");
                }
                cutTornTail(file, start, all.limit());
                break;
            }
            apply(payload, file, start, templates);
            records++;
        }
        return records;
    }

    private void cutTornTail(Path file, int start, int size) throws IOException {
        LOG.warn("{}: skipping a torn last record (bytes {}..{}): a crash interrupted its write, so it was never acknowledged",
                file, start, size);
        log.truncate(start);
        log.force(true);
    }

    private void apply(byte[] payload, Path file, int offset, Map<String, float[]> templates) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload));
        byte op = in.readByte();
        String id = in.readUTF();
        if (op == DELETE) {
            templates.remove(id);
        } else if (op == ENROL) {
            templates.put(id, readFloats(in, file + " record at byte " + offset));
        } else {
            throw new IllegalStateException(file + ": the record at byte " + offset + " has operation " + op + ", expected 1 or 2");
        }
    }

    private static void readSnapshot(Path file, int dim, Map<String, float[]> templates) throws IOException {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            CheckedInputStream checked = new CheckedInputStream(raw, new CRC32());
            DataInputStream in = new DataInputStream(checked);
            byte[] magic = new byte[MAGIC.length];
            in.readFully(magic);
            if (!Arrays.equals(MAGIC, magic)) {
                throw new IllegalStateException(file + " is not a gallery snapshot (it does not start with PLSCGAL1)");
            }
            int savedDim = in.readInt();
            if (savedDim != dim) {
                throw new IllegalStateException(file + " holds " + savedDim + "-dimensional templates, the model gives " + dim
                        + ": a gallery belongs to the model that enrolled it");
            }
            int count = in.readInt();
            Map<String, float[]> read = new LinkedHashMap<>();
            for (int i = 0; i < count; i++) {
                String id = in.readUTF();
                read.put(id, readFloats(in, dim, file + " entry " + i));
            }
            long expected = checked.getChecksum().getValue();
            if (new DataInputStream(raw).readLong() != expected || raw.read() != -1) {
                throw new IllegalStateException(file + " fails its checksum (it is replaced atomically, so this is not a torn write);"
                        + " restore the gallery directory from a backup");
            }
            templates.putAll(read);
        } catch (EOFException e) {
            throw new IllegalStateException(file + " ends early (it is replaced atomically, so this is not a torn write);"
                    + " restore the gallery directory from a backup", e);
        }
    }

    private float[] readFloats(DataInputStream in, String where) throws IOException {
        int n = in.readInt();
        if (n != dim) {
            throw new IllegalStateException(where + " holds a " + n + "-dimensional template, the model gives " + dim
                    + ": a gallery belongs to the model that enrolled it");
        }
        return readFloats(in, n, where);
    }

    private static float[] readFloats(DataInputStream in, int n, String where) throws IOException {
        float[] v = new float[n];
        try {
            for (int i = 0; i < n; i++) {
                v[i] = in.readFloat();
            }
        } catch (EOFException e) {
            throw new IllegalStateException(where + " ends inside its template", e);
        }
        return v;
    }

    private static void writeFloats(DataOutputStream out, float[] v) throws IOException {
        for (float x : v) {
            out.writeFloat(x);
        }
    }
}
