package org.plscj.checkpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.plscj.head.ClassShard;
import org.plscj.head.ShardWeights;
import org.plscj.labels.LabelMap;
import org.plscj.model.Backbone;
import org.plscj.tensor.Placement;
import org.plscj.tensor.Tensors;

/**
 * A complete checkpoint opened for loading: the manifest read and every file's SHA-256 verified — all of them by
 * {@link #open}, each as it is read by {@link #openFor} — so a damaged or foreign file is refused before its values are used. Head shards load on any number
 * of workers: each new shard is cut from the old shards that overlap its class range.
 */
public final class Checkpoint {
    private final Path dir;
    private final CheckpointMeta meta;
    /**
     * The generator states of the head shards already read, by file name: a worker's own shard is read for its rows,
     * and its few-KB state must not cost a second read of the whole shard (2 GB at 1M classes × 512).
     */
    private final Map<String, byte[]> rngStates = new HashMap<>();
    /** Files whose checksum is still to be checked, by name: each is verified by the one read that loads it. */
    private final Map<String, String> unverified;

    private Checkpoint(Path dir, CheckpointMeta meta, Map<String, String> unverified) {
        this.dir = dir;
        this.meta = meta;
        this.unverified = unverified;
    }

    /**
     * One worker's rows of the classifier with their optimizer state; bias fields are null for margin losses, second
     * moments null unless the head was trained with AdamW (whose first moment is then {@code momentum}).
     */
    public record HeadState(Tensor weight, Tensor momentum, Tensor bias, Tensor biasMomentum, Tensor secondMoment,
            Tensor biasSecondMoment) {

        /** SGD's state: no second moments. */
        public HeadState(Tensor weight, Tensor momentum, Tensor bias, Tensor biasMomentum) {
            this(weight, momentum, bias, biasMomentum, null, null);
        }
    }

    /** Whether one file of a checkpoint matches the manifest's checksum. */
    public enum FileState { OK, BAD, MISSING, UNREADABLE }

    /** One file the manifest lists, with its size in bytes (-1 when missing) and its state. */
    public record FileCheck(Path file, long bytes, FileState state, String detail) {}

    /** Opens {@code dir} for loading: reads the manifest and verifies every file, naming the first bad one. */
    public static Checkpoint open(Path dir) {
        CheckpointMeta meta = readMeta(dir);
        List<String> expected = new ArrayList<>(List.of(CheckpointLayout.BACKBONE, CheckpointLayout.OPTIMIZER));
        for (int r = 0; r < meta.worldSize(); r++) {
            expected.add(CheckpointLayout.headShard(r, meta.worldSize()));
        }
        for (String name : expected) {
            if (!meta.sha256().containsKey(name)) {
                throw new CheckpointException(dir.resolve(CheckpointMeta.FILE) + " lists no " + name + "; the checkpoint is incomplete");
            }
        }
        for (FileCheck check : checkFiles(dir, meta)) {
            if (check.state() != FileState.OK) {
                throw new CheckpointException(check.detail());
            }
        }
        return new Checkpoint(dir, meta, new HashMap<>());
    }

    /**
     * Opens {@code dir} for one worker's resume, checking only what that worker reads: the backbone, optimizer and labels
     * for rank 0 (the others receive them by broadcast), and the saved head shards that overlap {@code target}'s classes.
     * Each worker thus needs only its part — which is all a machine holds when each has its own disk. Every file is read
     * from disk once: its checksum is checked by the read that loads it (a head shard is gigabytes at a million classes),
     * before any of its values are used.
     *
     * @throws CheckpointException naming the file when one this worker needs is missing or not listed (a damaged one is
     *                             named by the read that loads it)
     */
    public static Checkpoint openFor(Path dir, int rank, int worldSize, ClassShard target) {
        CheckpointMeta meta = readMeta(dir);
        Map<String, String> unverified = new HashMap<>();
        for (String name : neededFiles(meta, rank, worldSize, target)) {
            String sum = meta.sha256().get(name);
            if (sum == null) {
                throw new CheckpointException(dir.resolve(CheckpointMeta.FILE) + " lists no " + name + "; the checkpoint is incomplete");
            }
            Path file = dir.resolve(name);
            if (!Files.isRegularFile(file)) {
                throw new CheckpointException(file + " is not on this machine (rank " + rank + " needs it): the checkpoint's files"
                        + " are spread over the machines that saved it. Resume on those machines with the same number of workers, or"
                        + " keep checkpoints in a shared directory or a remote model_save_dir to resume anywhere");
            }
            unverified.put(name, sum);
        }
        return new Checkpoint(dir, meta, unverified);
    }

    /**
     * The files worker {@code rank} of {@code worldSize} reads to resume from a checkpoint with manifest {@code meta}: the
     * backbone, optimizer and labels for rank 0, the saved head shards overlapping {@code target}'s classes, and at an equal world
     * size its own shard (its generator state).
     */
    public static List<String> neededFiles(CheckpointMeta meta, int rank, int worldSize, ClassShard target) {
        List<String> needed = new ArrayList<>();
        if (rank == 0) {
            needed.addAll(List.of(CheckpointLayout.BACKBONE, CheckpointLayout.OPTIMIZER));
            if (meta.sha256().containsKey(CheckpointLayout.LABELS)) {
                needed.add(CheckpointLayout.LABELS);
            }
        }
        long end = Math.min(target.start() + target.size(), meta.numClasses());
        for (int q = 0; q < meta.worldSize(); q++) {
            ClassShard old = ClassShard.of(meta.numClasses(), meta.worldSize(), q);
            boolean overlaps = Math.max(target.start(), old.start()) < Math.min(end, old.start() + old.size());
            if (overlaps || (meta.worldSize() == worldSize && q == rank)) {
                needed.add(CheckpointLayout.headShard(q, meta.worldSize()));
            }
        }
        return needed;
    }

    /** The manifest of {@code dir}, without verifying the files (see {@link #checkFiles}). */
    public static CheckpointMeta readMeta(Path dir) {
        Path metaFile = dir.resolve(CheckpointMeta.FILE);
        if (!Files.isRegularFile(metaFile)) {
            throw new CheckpointException(dir + " is not a checkpoint: it has no " + CheckpointMeta.FILE
                    + " (an interrupted save leaves none; use the newest step-* directory that has one)");
        }
        CheckpointMeta meta;
        try {
            meta = CheckpointStore.json().readValue(metaFile.toFile(), CheckpointMeta.class);
        } catch (IOException e) {
            throw new CheckpointException(metaFile + " is not a readable checkpoint manifest: " + e.getMessage(), e);
        }
        if (meta.format() != CheckpointMeta.FORMAT) {
            throw new CheckpointException(metaFile + " has format " + meta.format() + "; this version reads format " + CheckpointMeta.FORMAT);
        }
        if (meta.sha256() == null) {
            throw new CheckpointException(metaFile + " lists no files (its sha256 field is missing)");
        }
        for (String name : meta.sha256().keySet()) {
            CheckpointLayout.requirePlainName(name, metaFile);
        }
        return meta;
    }

    /** Every file the manifest lists, hashed and compared with its checksum; the detail names the file and the fault. */
    public static List<FileCheck> checkFiles(Path dir, CheckpointMeta meta) {
        List<FileCheck> out = new ArrayList<>();
        for (Map.Entry<String, String> e : meta.sha256().entrySet()) {
            out.add(checkFile(dir.resolve(e.getKey()), e.getValue()));
        }
        return out;
    }

    private static FileCheck checkFile(Path file, String expected) {
        if (!Files.isRegularFile(file)) {
            return new FileCheck(file, -1, FileState.MISSING, file + " is missing from the checkpoint");
        }
        try {
            long bytes = Files.size(file);
            String actual = CheckpointStore.sha256(file);
            return actual.equals(expected) ? new FileCheck(file, bytes, FileState.OK, "")
                    : new FileCheck(file, bytes, FileState.BAD, file + " is damaged: its SHA-256 is " + actual + ", the manifest says " + expected);
        } catch (IOException ex) {
            return new FileCheck(file, -1, FileState.UNREADABLE, "cannot read " + file + ": " + ex.getMessage());
        }
    }

    public Path directory() {
        return dir;
    }

    public CheckpointMeta meta() {
        return meta;
    }

    /**
     * Refuses to continue a run of another model: backbone, embedding size, class count, loss type.
     *
     * @param growClasses accept a run with MORE classes than the checkpoint (new rows are appended, see
     *                    {@link #grownHeadShard}); fewer classes are always refused
     */
    public void checkCompatible(String modelName, int embDim, long numClasses, String lossType, boolean growClasses) {
        List<String> problems = new ArrayList<>();
        if (!meta.modelName().equals(modelName)) {
            problems.add("model_name " + meta.modelName() + " (this run: " + modelName + ")");
        }
        if (meta.embDim() != embDim) {
            problems.add("emb_dim " + meta.embDim() + " (this run: " + embDim + ")");
        }
        if (meta.numClasses() != numClasses && !(growClasses && meta.numClasses() < numClasses)) {
            problems.add("num_classes " + meta.numClasses() + " (this run: " + numClasses
                    + (meta.numClasses() < numClasses ? "; to add classes set grow_classes=true" : "") + ")");
        }
        if (!meta.lossType().equals(lossType)) {
            problems.add("loss_type " + meta.lossType() + " (this run: " + lossType + ")");
        }
        if (!problems.isEmpty()) {
            throw new CheckpointException(dir + " belongs to another model: it was saved with " + String.join(", ", problems));
        }
    }

    /**
     * The names of the checkpoint's classes ({@code labels.tsv}), when it was trained on named classes.
     *
     * @throws org.plscj.labels.LabelMapException when the file is malformed or names a class the checkpoint lacks
     */
    public Optional<LabelMap> labels() {
        if (!meta.sha256().containsKey(CheckpointLayout.LABELS)) {
            return Optional.empty();
        }
        Path file = dir.resolve(CheckpointLayout.LABELS);
        String sum = unverified.remove(CheckpointLayout.LABELS);
        FileCheck check = sum == null ? null : checkFile(file, sum);
        if (check != null && check.state() != FileState.OK) {
            throw new CheckpointException(check.detail());
        }
        try {
            return Optional.of(LabelMap.read(file).checkFits(meta.numClasses(), "checkpoint " + dir));
        } catch (IOException e) {
            throw new CheckpointException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The names a run continuing this checkpoint saves: the run's own ({@code runLabels}, from its data) when they keep
     * every saved name on its label (new names after them: the class set grew), else the saved ones.
     *
     * @throws org.plscj.labels.LabelMapException naming both files and the first label whose name differs: the data
     *                                            was renumbered, and the saved head rows would train the wrong classes
     */
    public Optional<LabelMap> labelsContinuedBy(Optional<LabelMap> runLabels) {
        Optional<LabelMap> saved = labels();
        if (saved.isPresent() && runLabels.isPresent()) {
            saved.get().checkKeptBy(runLabels.get());
        }
        return runLabels.isPresent() ? runLabels : saved;
    }

    /** Copies the saved state_dict into {@code backbone}; every parameter and buffer must be present with its shape. */
    public void loadBackbone(Backbone backbone) {
        Path file = dir.resolve(CheckpointLayout.BACKBONE);
        copyInto(backbone, read(CheckpointLayout.BACKBONE), file);
    }

    /**
     * Copies a state_dict read from {@code file} into {@code backbone}; every parameter and buffer must
     * be present with its shape (extra entries are ignored).
     */
    public static void copyInto(Backbone backbone, Map<String, Object> saved, Path file) {
        try (NoGradGuard noGrad = new NoGradGuard()) {
            for (Map.Entry<String, Tensor> e : CheckpointStore.stateDict(backbone).entrySet()) {
                Tensor target = e.getValue();
                Tensor value = tensor(saved, e.getKey(), file);
                if (!java.util.Arrays.equals(Tensors.shape(value), Tensors.shape(target))) {
                    throw new CheckpointException(file + ": '" + e.getKey() + "' has shape " + java.util.Arrays.toString(Tensors.shape(value))
                            + " but " + backbone.modelName() + " expects " + java.util.Arrays.toString(Tensors.shape(target)));
                }
                target.copy_(value);
            }
        }
    }

    /** The backbone optimizer's saved state by key (SGD: momentum by parameter name; AdamW: see train.BackboneAdamW). */
    public Map<String, Tensor> momentum() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        read(CheckpointLayout.OPTIMIZER).forEach((k, v) -> out.put(k, (Tensor) v));
        return out;
    }

    /** Where a head shard file keeps its worker's CPU random generator state (dropout), when saved by training. */
    public static final String RNG_STATE = "torch_rng_state";

    /**
     * Worker {@code rank}'s saved CPU generator state, when this checkpoint was saved by training on the same number of
     * workers (a resharded or differently sized run has no state for the new workers: it continues with fresh draws).
     */
    public Optional<Tensor> rngState(int rank, int worldSize) {
        if (worldSize != meta.worldSize()) {
            return Optional.empty();
        }
        String name = CheckpointLayout.headShard(rank, worldSize);
        if (!rngStates.containsKey(name)) {
            keepRngState(name, read(name));
        }
        return Optional.ofNullable(rngStates.get(name)).map(Tensors::bytes);
    }

    /** The rows of {@code target}'s class range, cut from the saved shards that overlap it (any old world size). */
    public HeadState headShard(ClassShard target) {
        if (target.numClasses() != meta.numClasses()) {
            throw new CheckpointException(dir + " holds " + meta.numClasses() + " classes, not " + target.numClasses()
                    + " (growing the class set goes through grownHeadShard)");
        }
        return cut(target.start(), target.start() + target.size());
    }

    /**
     * {@code target}'s rows when the run has more classes than the checkpoint: the saved classes are cut from
     * the old shards, each new class c ≥ num_classes(checkpoint) starts as a fresh run with target's class count
     * would start it ({@link ShardWeights#initialRows}, so any world size agrees) with zero momentum and bias.
     */
    public HeadState grownHeadShard(ClassShard target, long seed) {
        long start = target.start();
        long end = start + target.size();
        long saved = meta.numClasses();
        if (target.numClasses() < saved) {
            throw new CheckpointException(dir + " holds " + saved + " classes; a run with " + target.numClasses() + " cannot shrink it");
        }
        HeadState old = cut(start, Math.min(end, saved));
        long firstNew = Math.max(start, saved);
        if (firstNew >= end) {
            return old;
        }
        Tensor fresh = ShardWeights.initialRows(target.numClasses(), meta.embDim(), seed, firstNew, end - firstNew);
        Tensor zeroRows = Tensors.zeros(Placement.CPU_FLOAT, end - firstNew, meta.embDim());
        Tensor zeros = Tensors.zeros(Placement.CPU_FLOAT, end - firstNew);
        return new HeadState(append(old.weight(), fresh), append(old.momentum(), zeroRows),
                old.bias() == null ? null : append(old.bias(), zeros), old.biasMomentum() == null ? null : append(old.biasMomentum(), zeros),
                old.secondMoment() == null ? null : append(old.secondMoment(), zeroRows),
                old.biasSecondMoment() == null ? null : append(old.biasSecondMoment(), zeros));
    }

    /** {@code tail} after {@code head}, in head's dtype: a bfloat16 head stays bfloat16 (its new rows rounded as a fresh run's). */
    private static Tensor append(Tensor head, Tensor tail) {
        return head == null ? tail : Tensors.cat0(head, Tensors.as(tail, Tensors.dtype(head)));
    }

    /** Global classes [start, end) of the saved head, joined from the old shards that hold them; all null when empty. */
    private HeadState cut(long start, long end) {
        String[] names = {"weight", "momentum", "bias", "bias_momentum", "exp_avg_sq", "bias_exp_avg_sq"};
        List<List<Tensor>> pieces = new ArrayList<>();
        for (int k = 0; k < names.length; k++) {
            pieces.add(new ArrayList<>());
        }
        for (int q = 0; q < meta.worldSize(); q++) {
            ClassShard old = ClassShard.of(meta.numClasses(), meta.worldSize(), q);
            long from = Math.max(start, old.start());
            long to = Math.min(end, old.start() + old.size());
            if (from >= to) {
                continue;
            }
            String name = CheckpointLayout.headShard(q, meta.worldSize());
            Path file = dir.resolve(name);
            Map<String, Object> saved = read(name);
            keepRngState(name, saved);
            for (int k = 0; k < names.length; k++) {
                if (saved.containsKey(names[k])) {
                    pieces.get(k).add(tensor(saved, names[k], file).narrow(0, from - old.start(), to - from));
                }
            }
        }
        Tensor[] joined = new Tensor[names.length];
        for (int k = 0; k < names.length; k++) {
            joined[k] = pieces.get(k).isEmpty() ? null : Tensors.cat0(pieces.get(k).toArray(new Tensor[0]));
        }
        return new HeadState(joined[0], joined[1], joined[2], joined[3], joined[4], joined[5]);
    }

    /** Remembers the generator state (or its absence: null) that head shard {@code name} holds. */
    private void keepRngState(String name, Map<String, Object> saved) {
        rngStates.put(name, saved.get(RNG_STATE) instanceof Tensor t ? Tensors.toByteArray(t) : null);
    }

    /** The file's values, its checksum checked by this read when it was not checked when the checkpoint was opened. */
    private Map<String, Object> read(String name) {
        Path file = dir.resolve(name);
        String sum = unverified.remove(name);
        try {
            return sum == null ? TorchFile.read(file) : TorchFile.readVerified(file, sum);
        } catch (IOException e) {
            throw new CheckpointException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static Tensor tensor(Map<String, Object> saved, String key, Path file) {
        Object v = saved.get(key);
        if (!(v instanceof Tensor t)) {
            throw new CheckpointException(file + " has no tensor '" + key + "'" + (v == null ? "" : " (found " + v.getClass().getSimpleName() + ")"));
        }
        return t;
    }
}
