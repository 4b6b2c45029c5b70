package org.plscj.checkpoint;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * Storages for reading a torch.save zip in one sequential pass: the pickle comes first in the archive, so each storage it
 * names is allocated (empty) while unpickling, and filled when its record streams past afterwards — the tensors built on it
 * are views and see the bytes. What a reader holds beyond the tensors themselves: one entry per storage.
 */
final class StreamedStorages implements StorageSource {
    private record Pending(Tensor flat, long bytes) {}

    private final Path file;
    private final String root;
    /** Bytes the pickle may declare in all: no more than the archive holds, so a hostile pickle cannot make us allocate more. */
    private long budget;
    private final Map<String, Pending> pending = new LinkedHashMap<>();

    StreamedStorages(Path file, String root, long fileBytes) {
        this.file = file;
        this.root = root;
        this.budget = fileBytes;
    }

    @Override
    public Tensor storage(String key, StorageType type, long numel) throws CheckpointFormatException {
        Pending known = pending.get(key);
        if (known != null) {
            return known.flat();
        }
        long elementSize = StorageRecords.elementSize(type);
        String record = root + "/data/" + key;
        if (numel < 0 || numel > budget / elementSize) {
            throw new CheckpointFormatException(file, record, "the pickle declares " + numel + " elements of torch." + type.className
                    + ", more than the archive's remaining " + budget + " bytes can hold");
        }
        budget -= numel * elementSize;
        Tensor flat = torch.empty(new long[] {numel}, new TensorOptions(type.dtype), null);
        pending.put(key, new Pending(flat, numel * elementSize));
        return flat;
    }

    /** Reads the archive's remaining records, filling each storage the pickle named; every one must be there, with its size. */
    void fill(ZipInputStream zip) throws IOException {
        String prefix = root + "/data/";
        for (ZipEntry entry; (entry = zip.getNextEntry()) != null; ) {
            Pending p = entry.getName().startsWith(prefix) ? pending.remove(entry.getName().substring(prefix.length())) : null;
            if (p == null) {
                continue;
            }
            // why -1 allowed: a deflated record with a data descriptor tells its size only at its end
            if (entry.getSize() != -1 && entry.getSize() != p.bytes()) {
                throw new CheckpointFormatException(file, entry.getName(), "holds " + entry.getSize() + " bytes, but the pickle declares "
                        + p.bytes());
            }
            StorageRecords.copy(zip, p.flat(), p.bytes(), file, entry.getName());
            if (zip.read() != -1) {
                throw new CheckpointFormatException(file, entry.getName(), "holds more than the " + p.bytes() + " bytes the pickle declares");
            }
        }
        if (!pending.isEmpty()) {
            String key = pending.keySet().iterator().next();
            throw new CheckpointFormatException(file, prefix + key, "missing: the pickle names storage '" + key + "'");
        }
    }
}
