package org.plscj.checkpoint;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.plscj.tensor.Tensors;

/**
 * The {@code <root>/data/<key>} records of an open checkpoint, each loaded once into a flat 1-D
 * tensor of its dtype: tensors that share a storage in the file become views of one tensor here.
 */
final class StorageRecords implements StorageSource {
    private static final int CHUNK = 1 << 20;

    private final ZipFile zip;
    private final Path file;
    private final String root;
    private final Map<String, Tensor> loaded = new HashMap<>();

    StorageRecords(ZipFile zip, Path file, String root) {
        this.zip = zip;
        this.file = file;
        this.root = root;
    }

    @Override
    public Tensor storage(String key, StorageType type, long numel) throws IOException {
        Tensor known = loaded.get(key);
        if (known == null) {
            known = read(key, type, numel);
            loaded.put(key, known);
        }
        return known;
    }

    private Tensor read(String key, StorageType type, long numel) throws IOException {
        String record = root + "/data/" + key;
        ZipEntry entry = zip.getEntry(record);
        if (entry == null) {
            throw new CheckpointFormatException(file, record, "missing: the pickle names storage '" + key + "'");
        }
        // why check before allocating: numel comes from the pickle, and a hostile one may declare any size
        long elementSize = elementSize(type);
        if (numel < 0 || numel > Long.MAX_VALUE / elementSize || entry.getSize() != numel * elementSize) {
            String need = numel < 0 || numel > Long.MAX_VALUE / elementSize ? "an impossible size" : (numel * elementSize) + " bytes";
            throw new CheckpointFormatException(file, record, "holds " + entry.getSize() + " bytes, but the pickle declares "
                    + numel + " elements of torch." + type.className + ", which need " + need);
        }
        Tensor flat = torch.empty(new long[] {numel}, new TensorOptions(type.dtype), null);
        long bytes = flat.nbytes();
        if (bytes > 0) {
            try (InputStream in = zip.getInputStream(entry)) {
                copy(in, flat, bytes, file, record);
            }
        }
        return flat;
    }

    static long elementSize(StorageType type) {
        return torch.empty(new long[] {0}, new TensorOptions(type.dtype), null).element_size();
    }

    /** Reads {@code bytes} bytes of {@code in} into {@code target}'s memory; a short record is an error naming it. */
    static void copy(InputStream in, Tensor target, long bytes, Path file, String record) throws IOException {
        byte[] buffer = new byte[(int) Math.min(CHUNK, bytes)];
        long at = 0;
        while (at < bytes) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, bytes - at));
            if (n < 0) {
                throw new CheckpointFormatException(file, record, "ends after " + at + " of " + bytes + " bytes");
            }
            Tensors.byteWindow(target, at, n).put(buffer, 0, n);
            at += n;
        }
    }
}
