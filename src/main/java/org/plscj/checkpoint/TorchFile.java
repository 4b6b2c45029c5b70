package org.plscj.checkpoint;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;
import net.razorvine.pickle.PickleException;
import org.bytedeco.pytorch.Tensor;
import org.plscj.io.Sha256;
import org.plscj.tensor.Scoped;

/**
 * Checkpoints in PyTorch's own {@code torch.save} format (the zip format of PyTorch ≥ 1.6): a file
 * written here opens with a plain {@code torch.load(path)} (also with {@code weights_only=True}),
 * and {@code torch.save} files of state_dicts and dicts read back here.
 *
 * <p>Values: {@link Tensor} (CPU; float32/64, bf16, fp16, int64/32/16/8, uint8, bool), and the plain
 * values Pyrolite pickles — {@code Long}, {@code Double}, {@code String}, {@code Boolean},
 * {@code List}, {@code Map}, which may hold tensors too. On reading, Python ints become {@code Long}
 * (or {@code BigInteger}), tuples {@code Object[]}, dicts and OrderedDicts insertion-ordered maps.
 *
 * <p>Limits: each tensor is written as its own storage (views are not shared, unlike torch.save);
 * torch 1.13's {@code weights_only=True} rejects float values (its unpickler lacks BINFLOAT), 2.x
 * accepts them; storages are read onto the CPU whatever device they were saved from; the legacy
 * pre-1.6 (non-zip) format is refused as not a zip archive.
 *
 * <p>Call {@code org.plscj.tensor.Native.load()} before either method.
 */
public final class TorchFile {
    /** torch.load refuses files whose version record is newer than it knows; 3 is what 1.6–2.x write. */
    private static final String FORMAT_VERSION = "3\n";
    private static final String ROOT = "archive";

    private TorchFile() {}

    /**
     * Writes {@code entries} (in iteration order) to {@code file}, atomically: the zip goes to
     * {@code file + ".tmp"}, is forced to disk, and is then renamed onto {@code file}, so a crash
     * leaves either the old file or the new one, never a half-written one.
     *
     * @throws IllegalArgumentException for a tensor that is not on the CPU or has an unsupported dtype
     */
    public static void write(Path file, Map<String, Object> entries) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            writeZip(tmp, entries);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            syncDirectory(file.toAbsolutePath().getParent());
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
    }

    /** Forces the rename itself to disk; without it a crash may bring back the old directory entry. */
    private static void syncDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    private static void writeZip(Path target, Map<String, Object> entries) throws IOException {
        Scoped.run(() -> {
            try (FileChannel channel = FileChannel.open(target, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                            StandardOpenOption.WRITE);
                    TorchZipWriter zip = new TorchZipWriter(new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16), ROOT)) {
                TorchPickler pickler = new TorchPickler();
                zip.putBytes("data.pkl", pickler.dumps(entries));
                zip.putString("byteorder", "little");
                List<Tensor> storages = pickler.storages();
                for (int key = 0; key < storages.size(); key++) {
                    zip.putTensor("data/" + key, storages.get(key));
                }
                zip.putString("version", FORMAT_VERSION);
                zip.finish();
                channel.force(true);
            }
        });
    }

    /**
     * Reads a torch.save file whose top-level object is a dict or OrderedDict with string keys.
     *
     * <p>Ownership: the returned tensors belong to no scope — not even one the caller has open — so
     * they stay valid after the caller's scope closes; they are freed by
     * {@code close()} or by the garbage collector. Tensors that shared a storage in the file are views
     * of one tensor here, as after {@code torch.load}.
     *
     * @throws CheckpointFormatException naming the file and record for a file that is not a zip,
     *     lacks data.pkl or a storage record, or names a storage type or class not supported here
     */
    public static Map<String, Object> read(Path file) throws IOException {
        return Scoped.compute(() -> {
            try (ZipFile zip = open(file)) {
                String pickle = dataPickle(zip, file);
                String root = pickle.substring(0, pickle.indexOf('/'));
                Object top;
                ZipEntry entry = zip.getEntry(pickle);
                // why the file's size when the record's is unknown: a pickle cannot hold more than its archive
                long size = entry.getSize() >= 0 ? entry.getSize() : Files.size(file);
                try (InputStream in = zip.getInputStream(entry)) {
                    top = new TorchUnpickler(new StorageRecords(zip, file, root), size).load(in);
                } catch (PickleException | ClassCastException | IndexOutOfBoundsException e) {
                    throw new CheckpointFormatException(file, pickle, "cannot unpickle: " + e.getMessage(), e);
                }
                if (!(top instanceof Map)) {
                    throw new CheckpointFormatException(file, pickle, "the saved object is not a dict but " + top);
                }
                return PlainValues.adopt((Map<?, ?>) top, file, pickle);
            }
        });
    }

    /**
     * {@link #read} in one sequential pass that also checks the file's SHA-256 against {@code sha256} — a large head shard is
     * read from disk once, not once to verify and again to load. Torch zips put {@code data.pkl} first (ours and
     * torch.save's), so the pickle is parsed before the storages stream past; a file ordered otherwise, or one that fails
     * to stream (damaged, or a data descriptor on a stored record), is verified and then read like any other — so a
     * damaged file is always named as damaged, and a well-formed one always read.
     *
     * @throws CheckpointException naming the file when its bytes are not the ones {@code sha256} names
     */
    public static Map<String, Object> readVerified(Path file, String sha256) throws IOException {
        Map<String, Object> streamed = Scoped.compute(() -> {
            try (DigestInputStream raw = Sha256.reading(new BufferedInputStream(Files.newInputStream(file), 1 << 20));
                    ZipInputStream zip = new ZipInputStream(raw)) {
                Map<String, Object> values = streamEntries(file, zip);
                if (values != null) {
                    raw.transferTo(OutputStream.nullOutputStream()); // why: the central directory is part of the digest
                    requireDigest(file, Sha256.hexOf(raw), sha256);
                }
                return values;
            } catch (IOException e) {
                return null; // why not report it: a damaged file fails here in any way; the checksum below says which it is
            }
        });
        if (streamed != null) {
            return streamed;
        }
        requireDigest(file, Sha256.of(file), sha256);
        return read(file);
    }

    /** The values of a zip whose first record is the pickle, its storages filled from the records after it; null otherwise. */
    private static Map<String, Object> streamEntries(Path file, ZipInputStream zip) throws IOException {
        ZipEntry first = zip.getNextEntry();
        int slash = first == null ? -1 : first.getName().indexOf('/');
        if (slash <= 0 || !first.getName().substring(slash + 1).equals("data.pkl")) {
            return null;
        }
        String pickle = first.getName();
        long fileBytes = Files.size(file);
        StreamedStorages storages = new StreamedStorages(file, pickle.substring(0, slash), fileBytes);
        Object top;
        try {
            top = new TorchUnpickler(storages, fileBytes).load(zip);
        } catch (PickleException | ClassCastException | IndexOutOfBoundsException e) {
            throw new CheckpointFormatException(file, pickle, "cannot unpickle: " + e.getMessage(), e);
        }
        storages.fill(zip);
        if (!(top instanceof Map)) {
            throw new CheckpointFormatException(file, pickle, "the saved object is not a dict but " + top);
        }
        return PlainValues.adopt((Map<?, ?>) top, file, pickle);
    }

    private static void requireDigest(Path file, String actual, String expected) {
        if (!actual.equals(expected)) {
            throw new CheckpointException(file + " is damaged: its SHA-256 is " + actual + ", the manifest says " + expected);
        }
    }

    private static ZipFile open(Path file) throws IOException {
        try {
            return new ZipFile(file.toFile());
        } catch (ZipException e) {
            throw new CheckpointFormatException(file, null, "not a torch.save zip archive (" + e.getMessage() + ")", e);
        }
    }

    /** The name of {@code <root>/data.pkl}; the root folder is the file's stem in 1.x, "archive" in 2.x. */
    private static String dataPickle(ZipFile zip, Path file) throws CheckpointFormatException {
        for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
            String name = e.nextElement().getName();
            int slash = name.indexOf('/');
            if (slash > 0 && name.substring(slash + 1).equals("data.pkl")) {
                return name;
            }
        }
        throw new CheckpointFormatException(file, "data.pkl", "missing: no <root>/data.pkl in the archive");
    }
}
