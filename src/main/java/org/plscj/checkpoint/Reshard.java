package org.plscj.checkpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import org.plscj.head.ClassShard;
import org.plscj.io.FileTrees;
import org.plscj.progress.Progress;
import org.plscj.tensor.Scoped;

/**
 * {@code plsc reshard}: rewrites a checkpoint saved by N workers for M workers, offline, in one process.
 * Each new {@code head-rank-r-of-M.pt} is cut from the old shards that overlap its class range (W, momentum,
 * bias, bias momentum, and AdamW's second moments), every other file is copied (the backbone, optimizer state and
 * {@code labels.tsv}), and the result is published with the same protocol as a
 * training save (a {@code .partial} directory, checksums recomputed, the manifest last, one rename), so the
 * target is complete or absent. A 1-worker run then loads it exactly as it loads the original, which the
 * Trainer reshards on load the same way.
 */
public final class Reshard {
    private Reshard() {}

    /**
     * @param from    a complete checkpoint (verified before anything is written)
     * @param to      the new checkpoint directory; must not exist (nothing is overwritten)
     * @param nranks  the new world size M ≥ 1, at most num_classes
     * @return the manifest of the new checkpoint
     */
    public static CheckpointMeta run(Path from, Path to, int nranks) {
        return run(from, to, nranks, Progress.quiet());
    }

    /** As above, reporting the files written (new shards, then copies) to {@code progress}. */
    public static CheckpointMeta run(Path from, Path to, int nranks, Progress progress) {
        Checkpoint source = Checkpoint.open(from);
        CheckpointMeta meta = source.meta();
        // why read now: a labels file that does not fit the checkpoint is refused before anything is written
        source.labels();
        if (nranks < 1 || nranks > meta.numClasses()) {
            throw new IllegalArgumentException("--nranks must lie in [1, " + meta.numClasses() + "] (the checkpoint's num_classes), got "
                    + nranks);
        }
        if (Files.exists(to)) {
            throw new CheckpointException(to + " already exists; reshard writes a new checkpoint and overwrites nothing");
        }
        Path partial = CheckpointLayout.partial(to);
        long copies = meta.sha256().keySet().stream().filter(name -> !CheckpointLayout.isHeadShard(name)).count();
        try (Progress.Task task = progress.start("reshard", nranks + copies, Progress.Unit.FILES)) {
            FileTrees.deleteRecursively(partial);
            Files.createDirectories(partial);
            for (int r = 0; r < nranks; r++) {
                ClassShard shard = ClassShard.of(meta.numClasses(), nranks, r);
                Path file = partial.resolve(CheckpointLayout.headShard(r, nranks));
                Scoped.run(() -> TorchFile.write(file, CheckpointStore.headEntries(shard, source.headShard(shard))));
                task.advance(1);
            }
            for (String name : meta.sha256().keySet()) {
                if (!CheckpointLayout.isHeadShard(name)) {
                    Path copy = partial.resolve(name);
                    Files.copy(from.resolve(name), copy, StandardCopyOption.COPY_ATTRIBUTES);
                    // why: TorchFile.write syncs what it writes; a copy must be as durable before the manifest names it
                    FileTrees.force(copy);
                    task.advance(1);
                }
            }
            CheckpointStore.publish(meta.withWorldSize(nranks).withSha256(Map.of()), partial, to);
        } catch (IOException e) {
            throw new CheckpointException("cannot write the resharded checkpoint " + to + " (from " + from + "): " + e.getMessage(), e);
        }
        return Checkpoint.open(to).meta();
    }
}
