package org.plscj.data;

import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.ReadOnlyFileSystemException;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.plscj.io.AtomicFile;

/**
 * The cached offset index of one data file: for each record, where it starts, how many bytes to read and its
 * label, so a loader opens a data set of any size by reading 16 bytes per record instead of the data itself.
 *
 * <p>It lives beside the data file as {@code <data file>.idx} (e.g. {@code part-00000.idx}), or, when that
 * directory cannot be written or the name is taken by a file that is not such an index, in a local cache
 * directory under a name derived from the data file's absolute path. It is written atomically (a crash leaves
 * none or a whole one) and records the size and modification time of the data file (and of an auxiliary file
 * such as RecordIO's {@code train.idx}); when either differs, or the index is malformed, it is rebuilt, never trusted.
 *
 * <p>Format (big-endian): the 8 bytes {@code PLSCIDX1}, then data size, data mtime (ns), auxiliary size,
 * auxiliary mtime (ns) as longs (0, 0 without an auxiliary file), then per line or record: offset (long), length
 * (int), label (int). A line skipped as bad (an index built under skip-bad) is an entry of length −1 whose label is
 * the {@link BadReason}'s ordinal, so an index says which lines it left out and why; a strict build has none.
 */
final class RecordIndexFile {
    static final String SUFFIX = ".idx";
    private static final byte[] MAGIC = "PLSCIDX1".getBytes(StandardCharsets.US_ASCII);
    private static final int HEADER_BYTES = MAGIC.length + 4 * Long.BYTES;
    static final int ENTRY_BYTES = Long.BYTES + 2 * Integer.BYTES;
    /** The length of an entry marking a bad line. */
    static final int BAD_LENGTH = -1;
    private static final int READ_BUFFER = 1 << 20;

    /** Receives the index's records in order. */
    interface EntryVisitor {
        void entry(long offset, int length, int label);
    }

    /** Writes an index's records: {@link Sink#add} once per record, in data file order. */
    interface Builder {
        void build(Sink sink) throws IOException;
    }

    /** Where a {@link Builder} puts the records. */
    static final class Sink {
        private final DataOutputStream out;

        private Sink(DataOutputStream out) {
            this.out = out;
        }

        void add(long offset, int length, int label) throws IOException {
            out.writeLong(offset);
            out.writeInt(length);
            out.writeInt(label);
        }

        /** A bad line starting at {@code offset}, left out of the records. */
        void addBad(long offset, BadReason reason) throws IOException {
            add(offset, BAD_LENGTH, reason.ordinal());
        }
    }

    /** What the index must match: the data file's (and an auxiliary file's) size and modification time. */
    private record Identity(long size, long mtime, long auxSize, long auxMtime) {
        static Identity of(Path data, Path aux) throws IOException {
            return new Identity(Files.size(data), mtime(data), aux == null ? 0 : Files.size(aux), aux == null ? 0 : mtime(aux));
        }

        private static long mtime(Path p) throws IOException {
            return Files.getLastModifiedTime(p).to(TimeUnit.NANOSECONDS);
        }
    }

    private RecordIndexFile() {}

    /** The default local cache directory: {@code $XDG_CACHE_HOME/plscj/index}, else {@code ~/.cache/plscj/index}. */
    static Path defaultCacheDir() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("plscj").resolve("index");
    }

    /** The index beside {@code data}. */
    static Path beside(Path data) {
        return data.resolveSibling(data.getFileName() + SUFFIX);
    }

    /**
     * A valid index of {@code data} (with {@code aux}, may be null): the cached one beside it or in
     * {@code cacheDir} when it matches the files, else one built by {@code builder} and cached.
     */
    static Path ensure(Path data, Path aux, Path cacheDir, Builder builder) throws IOException {
        Identity identity = Identity.of(data, aux);
        Path beside = beside(data);
        if (valid(beside, identity)) {
            return beside;
        }
        if (!Files.exists(beside) || isIndex(beside)) {
            try {
                write(beside, identity, builder);
                return beside;
            } catch (AccessDeniedException | ReadOnlyFileSystemException e) {
                // a read-only data directory: the local cache below
            } catch (IOException e) {
                if (Files.isWritable(data.toAbsolutePath().getParent())) {
                    throw e;
                }
            }
        }
        Path cached = cacheDir.resolve(cacheName(data));
        if (valid(cached, identity)) {
            return cached;
        }
        write(cached, identity, builder);
        return cached;
    }

    /** Entries in the index: its records and the bad lines it marks. */
    static long count(Path index) throws IOException {
        return (Files.size(index) - HEADER_BYTES) / ENTRY_BYTES;
    }

    /** Streams the index's entries to {@code visitor}, 1 MiB at a time. */
    static void read(Path index, EntryVisitor visitor) throws IOException {
        try (FileChannel ch = FileChannel.open(index, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocate(READ_BUFFER - READ_BUFFER % ENTRY_BYTES);
            long pos = HEADER_BYTES;
            while (true) {
                buf.clear();
                int n = ch.read(buf, pos);
                if (n <= 0) {
                    return;
                }
                pos += n;
                buf.flip();
                while (buf.remaining() >= ENTRY_BYTES) {
                    visitor.entry(buf.getLong(), buf.getInt(), buf.getInt());
                }
                pos -= buf.remaining(); // a partial entry: read again with the next chunk
            }
        }
    }

    private static void write(Path target, Identity identity, Builder builder) throws IOException {
        AtomicFile.write(target, stream -> {
            DataOutputStream out = new DataOutputStream(stream);
            out.write(MAGIC);
            out.writeLong(identity.size());
            out.writeLong(identity.mtime());
            out.writeLong(identity.auxSize());
            out.writeLong(identity.auxMtime());
            builder.build(new Sink(out));
            out.flush();
        });
    }

    /** Whether {@code index} starts with the magic, i.e. is an index this class may overwrite. */
    private static boolean isIndex(Path index) throws IOException {
        if (!Files.isRegularFile(index) || Files.size(index) < MAGIC.length) {
            return false;
        }
        try (FileChannel ch = FileChannel.open(index, StandardOpenOption.READ)) {
            ByteBuffer head = ByteBuffer.allocate(MAGIC.length);
            while (head.hasRemaining() && ch.read(head) >= 0) {
                // fill
            }
            return Arrays.equals(head.array(), MAGIC);
        }
    }

    /** A well-formed index of these very files whose every record lies inside the data file. */
    private static boolean valid(Path index, Identity identity) throws IOException {
        if (!Files.isRegularFile(index)) {
            return false;
        }
        long bytes = Files.size(index);
        if (bytes < HEADER_BYTES || (bytes - HEADER_BYTES) % ENTRY_BYTES != 0) {
            return false;
        }
        try (FileChannel ch = FileChannel.open(index, StandardOpenOption.READ)) {
            ByteBuffer head = ByteBuffer.allocate(HEADER_BYTES);
            while (head.hasRemaining() && ch.read(head) >= 0) {
                // fill
            }
            head.flip();
            byte[] magic = new byte[MAGIC.length];
            head.get(magic);
            if (!Arrays.equals(magic, MAGIC) || !identity.equals(new Identity(head.getLong(), head.getLong(),
                    head.getLong(), head.getLong()))) {
                return false;
            }
        }
        boolean[] inside = {true};
        read(index, (offset, length, label) -> {
            boolean bad = length == BAD_LENGTH && label < BadReason.values().length;
            if (offset < 0 || (length < 0 && !bad) || label < 0 || offset + Math.max(0, length) > identity.size()) {
                inside[0] = false;
            }
        });
        return inside[0];
    }

    private static String cacheName(Path data) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(data.toAbsolutePath().normalize().toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 16) + "-" + data.getFileName() + SUFFIX;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
