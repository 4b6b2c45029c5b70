package org.plscj.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.plscj.comm.Communicator;
import org.plscj.head.ClassShard;
import org.plscj.head.ShardWeights;
import org.plscj.io.AtomicFile;
import org.plscj.io.FileTrees;
import org.plscj.io.Sha256;
import org.plscj.labels.LabelMap;
import org.plscj.model.Backbone;
import org.plscj.tensor.Scoped;

/**
 * The checkpoints of one training run: {@code <model_save_dir>/checkpoints/step-NNNNNNNN/}, each holding
 * {@code backbone.pt} (the backbone's state_dict: parameters and buffers), {@code optimizer.pt} (the
 * backbone's momentum by parameter name), one {@code head-rank-r-of-W.pt} per worker (its rows of W, their
 * momentum, bias, and the class range), all {@code torch.load}-able, {@code labels.tsv} when the classes have
 * names ({@link LabelMap}), and {@code meta.json}.
 *
 * <p>Crash safety: every worker writes into {@code .step-N.partial/} (each file written to a temporary
 * name, fsynced, renamed) and hashes what it wrote; the hashes reach rank 0, which builds the manifest; the
 * manifest is written last and the directory renamed into place. A checkpoint directory is therefore complete
 * or absent; the newest {@code step-*} with a manifest is the one to resume from. Only the last {@code keep}
 * are kept, but never the one just written nor one the caller pins (a checkpoint whose upload is pending).
 *
 * <p>Where the files go ({@link #detectSharing}): when every worker sees one directory (one machine, or a
 * shared file system) rank 0 publishes it. When each machine has its own disk, each machine's lowest rank
 * publishes its machine's directory: the same manifest (listing every file of every machine) with the files its
 * own ranks wrote — rank 0's machine also holds the backbone and optimizer. A resume on the same machines then
 * finds on each what its ranks need.
 *
 * <p>{@link SaveListener}s found on the class path are told before each publish.
 */
public final class CheckpointStore {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private static final List<SaveListener> LISTENERS = ServiceLoader.load(SaveListener.class).stream()
            .map(ServiceLoader.Provider::get).toList();

    private final Path root;
    private final int keep;
    private final Predicate<Path> pinned;
    private Sharing sharing = Sharing.SHARED;

    /** How the workers' save directories relate. */
    public enum Sharing {
        /** Every worker sees one directory. */
        SHARED,
        /** Each machine has its own directory, seen by the workers on that machine only. */
        PER_MACHINE
    }

    public CheckpointStore(Path modelSaveDir, int keep) {
        this(modelSaveDir, keep, dir -> false);
    }

    /** @param pinned checkpoints pruning must leave alone for now (e.g. those whose upload is pending) */
    public CheckpointStore(Path modelSaveDir, int keep, Predicate<Path> pinned) {
        if (keep <= 0) {
            throw new IllegalArgumentException("max_last_checkpoint_num must be positive, got " + keep);
        }
        this.root = modelSaveDir.resolve("checkpoints");
        this.keep = keep;
        this.pinned = pinned;
    }

    public Path root() {
        return root;
    }

    public Sharing sharing() {
        return sharing;
    }

    /**
     * Finds out, on every worker at once, whether the workers share this directory or each machine has its own: rank
     * 0 and each machine's lowest rank drop a marker, each worker looks for them. Call it before the first save.
     *
     * @throws CheckpointException on every rank when the answer is neither (some workers of a machine see rank 0's
     *                             directory and some do not, or a worker does not see its own machine's), naming them
     */
    public Sharing detectSharing(Communicator comm) {
        if (comm.worldSize() == 1) {
            return sharing = Sharing.SHARED;
        }
        String token = comm.broadcastText(UUID.randomUUID().toString(), 0);
        int leader = machineLeader(comm, comm.rank());
        Path mine = root.resolve(".plsc-machine-" + token + "-" + leader);
        Path rankZero = root.resolve(".plsc-machine-" + token + "-0");
        IOException failure = null;
        if (leader == comm.rank()) {
            try {
                Files.createDirectories(root);
                Files.writeString(mine, comm.host(comm.rank()));
            } catch (IOException e) {
                failure = new IOException("cannot write " + mine + ": " + e.getMessage(), e);
            }
        }
        agree(failure, comm, "detect how the workers share " + root, null);
        String[] seen = comm.allGatherText((Files.exists(rankZero) ? "0" : "-") + (Files.exists(mine) ? "m" : "-"));
        if (leader == comm.rank()) {
            try {
                Files.deleteIfExists(mine);
            } catch (IOException e) {
                // why ignore: a leftover marker is a few bytes named by a one-off token
            }
        }
        StringBuilder odd = new StringBuilder();
        boolean allSeeRankZero = true;
        for (int r = 0; r < seen.length; r++) {
            boolean seesZero = seen[r].charAt(0) == '0';
            allSeeRankZero &= seesZero;
            boolean sameMachine = comm.host(r).equals(comm.host(0));
            if (seesZero != sameMachine || seen[r].charAt(1) != 'm') {
                odd.append(odd.length() == 0 ? "" : ", ").append("rank ").append(r).append(" on ").append(comm.host(r))
                        .append(seesZero ? " sees" : " does not see").append(" rank 0's directory");
            }
        }
        comm.barrier();
        if (allSeeRankZero) {
            return sharing = Sharing.SHARED;
        }
        if (odd.length() > 0) {
            throw new CheckpointException("the workers' save directories " + root + " are neither one shared directory nor one per"
                    + " machine: " + odd + " (every worker of a machine must see the same directory)");
        }
        return sharing = Sharing.PER_MACHINE;
    }

    /** The lowest rank on {@code rank}'s machine: it creates and publishes that machine's directory when they are per machine. */
    private static int machineLeader(Communicator comm, int rank) {
        for (int r = 0; r < rank; r++) {
            if (comm.host(r).equals(comm.host(rank))) {
                return r;
            }
        }
        return rank;
    }

    /** Whether {@code rank} creates and publishes the directory its files go to. */
    public boolean publishes(Communicator comm) {
        return sharing == Sharing.SHARED ? comm.rank() == 0 : machineLeader(comm, comm.rank()) == comm.rank();
    }

    /**
     * Saves on every worker at once (a collective: all ranks call it); returns the checkpoint directory.
     *
     * @throws CheckpointWriteException on every rank alike when any rank's write failed (no space, an I/O error),
     *                                  naming that rank and the path; the checkpoints saved before are untouched
     */
    public Path save(Snapshot s, Communicator comm) {
        Path partial = CheckpointLayout.partial(root, s.step());
        Path target = root.resolve(CheckpointLayout.directoryName(s.step()));
        String what = "save the checkpoint of step " + s.step();
        boolean publisher = publishes(comm);
        IOException failure = null;
        if (publisher) {
            try {
                FileTrees.deleteRecursively(partial);
                Files.createDirectories(partial);
            } catch (IOException e) {
                failure = new IOException("cannot create " + partial + ": " + e.getMessage(), e);
            }
        }
        agree(failure, comm, what, publisher ? partial : null);
        failure = null;
        StringBuilder sums = new StringBuilder();
        try {
            Scoped.run(() -> {
                ShardWeights w = s.head().weights();
                Map<String, Object> entries = headEntries(s.head().shard(),
                        new Checkpoint.HeadState(w.weight(), w.momentum(), w.bias(), w.biasMomentum(), w.secondMoment(), w.biasSecondMoment()));
                // why: dropout draws from this worker's CPU generator; restoring it makes a resumed run continue exactly
                entries.put(Checkpoint.RNG_STATE, torch.getDefaultCPUGenerator().get_state());
                Map<String, Map<String, Object>> files = new LinkedHashMap<>();
                files.put(CheckpointLayout.headShard(comm.rank(), comm.worldSize()), entries);
                if (comm.rank() == 0) {
                    files.put(CheckpointLayout.BACKBONE, new LinkedHashMap<>(stateDict(s.backbone())));
                    files.put(CheckpointLayout.OPTIMIZER, new LinkedHashMap<>(s.momentum()));
                }
                for (Map.Entry<String, Map<String, Object>> f : files.entrySet()) {
                    Path file = partial.resolve(f.getKey());
                    write(file, f.getValue());
                    // why each rank hashes its own files: in parallel, and on the machine that holds them
                    sums.append(f.getKey()).append('=').append(sha256(file)).append('\n');
                }
                if (comm.rank() == 0 && s.labels() != null) {
                    Path file = partial.resolve(CheckpointLayout.LABELS);
                    s.labels().write(file);
                    sums.append(CheckpointLayout.LABELS).append('=').append(sha256(file)).append('\n');
                }
            });
        } catch (IOException e) {
            failure = e;
        }
        agree(failure, comm, what, publisher ? partial : null);
        String[] sumsByRank = comm.allGatherText(sums.toString());
        // why rank 0 alone: it publishes a shared directory, and with one directory per machine every machine takes its manifest
        String manifest = comm.rank() == 0 ? manifestJson(s, comm.worldSize(), sumsByRank) : "";
        if (sharing == Sharing.PER_MACHINE) {
            // every machine publishes rank 0's manifest, so all agree on what the checkpoint holds
            manifest = comm.broadcastText(manifest, 0);
        }
        failure = null;
        if (publisher) {
            try {
                for (SaveListener l : LISTENERS) {
                    l.beforePublish(s.step(), partial);
                }
                publish(manifest.getBytes(java.nio.charset.StandardCharsets.UTF_8), partial, target);
                prune(target);
            } catch (IOException e) {
                failure = new IOException("cannot publish " + target + ": " + e.getMessage(), e);
            }
        }
        agree(failure, comm, what, publisher ? partial : null);
        return target;
    }

    /** The manifest with every rank's "name=sha256" lines. */
    private static String manifestJson(Snapshot s, int worldSize, String[] sumsByRank) throws CheckpointException {
        Map<String, String> sums = new java.util.TreeMap<>();
        for (String lines : sumsByRank) {
            for (String line : lines.split("\n")) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    sums.put(line.substring(0, eq), line.substring(eq + 1));
                }
            }
        }
        try {
            return JSON.writeValueAsString(manifest(s, worldSize).withSha256(sums));
        } catch (IOException e) {
            throw new CheckpointException("cannot write the manifest of step " + s.step() + ": " + e.getMessage(), e);
        }
    }

    private static void write(Path file, Map<String, Object> entries) throws IOException {
        try {
            TorchFile.write(file, entries);
        } catch (IOException e) {
            throw new IOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Every rank learns whether any rank failed (and which, and why) and all throw alike; the publishers then remove
     * their partial save ({@code partial}, null for the others) so a full disk is not left fuller. Serves as the barrier
     * between the phases of a save.
     */
    private static void agree(IOException failure, Communicator comm, String what, Path partial) {
        Communicator.Failure f = comm.agreeOnFailure(failure == null ? null : failure.getMessage());
        if (f == null) {
            return;
        }
        if (partial != null) {
            try {
                FileTrees.deleteRecursively(partial);
            } catch (IOException e) {
                // why ignore: the next save or resume removes a leftover partial directory anyway
            }
        }
        throw new CheckpointWriteException("rank " + f.rank() + " on " + comm.host(f.rank()) + " failed to " + what + ": " + f.message()
                + " (the checkpoints saved before are intact)", failure);
    }

    /**
     * The newest checkpoint complete on every worker's directory, agreed by all (a collective). With one directory per
     * machine a crash between the machines' publishing can leave the newest on some only; the one before is then taken.
     *
     * @throws CheckpointException on every rank when some directories hold checkpoints but none is on all, naming them
     */
    public Optional<Path> newestOnAll(Communicator comm) {
        String mine = String.join(",", complete().stream().map(p -> p.getFileName().toString()).toList());
        String[] all = comm.allGatherText(mine);
        java.util.Set<String> common = null;
        boolean any = false;
        for (String names : all) {
            java.util.Set<String> set = names.isEmpty() ? java.util.Set.of() : java.util.Set.of(names.split(","));
            any |= !set.isEmpty();
            common = common == null ? new java.util.TreeSet<>(set) : common;
            common.retainAll(set);
        }
        if (common == null || common.isEmpty()) {
            if (any) {
                StringBuilder held = new StringBuilder();
                for (int r = 0; r < all.length; r++) {
                    held.append(r == 0 ? "" : "; ").append("rank ").append(r).append(" on ").append(comm.host(r)).append(": ")
                            .append(all[r].isEmpty() ? "none" : all[r]);
                }
                throw new CheckpointException("no checkpoint under " + root + " is complete on every machine (" + held + ")");
            }
            return Optional.empty();
        }
        return Optional.of(root.resolve(((java.util.TreeSet<String>) common).last()));
    }

    /** The newest complete checkpoint (one with a manifest), if any. */
    public Optional<Path> newest() {
        return complete().stream().reduce((a, b) -> b);
    }

    /** The backbone's state_dict: every parameter and buffer by its dotted name. */
    public static Map<String, Tensor> stateDict(Backbone backbone) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (StringTensorDict dict : List.of(backbone.named_parameters(true), backbone.named_buffers(true))) {
            for (long i = 0; i < dict.size(); i++) {
                out.put(dict.get(i).key().getString(), dict.get(i).value().detach());
            }
        }
        return out;
    }

    /**
     * A head shard file's entries: its rows, their optimizer state (bias only for softmax; under AdamW "momentum" is the
     * first moment and "exp_avg_sq" the second) and its class range.
     */
    static Map<String, Object> headEntries(ClassShard shard, Checkpoint.HeadState h) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("weight", h.weight());
        out.put("momentum", h.momentum());
        if (h.bias() != null) {
            out.put("bias", h.bias());
            out.put("bias_momentum", h.biasMomentum());
        }
        if (h.secondMoment() != null) {
            out.put("exp_avg_sq", h.secondMoment());
        }
        if (h.biasSecondMoment() != null) {
            out.put("bias_exp_avg_sq", h.biasSecondMoment());
        }
        out.put("class_start", shard.start());
        out.put("class_count", shard.size());
        out.put("num_classes", shard.numClasses());
        return out;
    }

    private static CheckpointMeta manifest(Snapshot s, int worldSize) {
        return new CheckpointMeta(CheckpointMeta.FORMAT, s.backbone().modelName(), s.head().config().lossType().plscName(), worldSize,
                s.head().config().embDim(), s.head().config().numClasses(), s.step(), s.epoch(), s.lr(), s.configYaml(), s.runId(), Map.of());
    }

    /**
     * Completes a checkpoint written into {@code partial}: hashes every file into {@code meta}'s checksums, writes
     * the manifest last and renames the directory to {@code target} in one step (any old {@code target} replaced).
     */
    static void publish(CheckpointMeta meta, Path partial, Path target) throws IOException {
        Map<String, String> sums = new LinkedHashMap<>();
        try (Stream<Path> files = Files.list(partial)) {
            for (Path f : files.sorted().toList()) {
                sums.put(f.getFileName().toString(), sha256(f));
            }
        }
        publish(JSON.writeValueAsBytes(meta.withSha256(sums)), partial, target);
    }

    /** Writes {@code manifest} into {@code partial} last and renames it to {@code target} (any old {@code target} replaced). */
    private static void publish(byte[] manifest, Path partial, Path target) throws IOException {
        AtomicFile.write(partial.resolve(CheckpointMeta.FILE), out -> out.write(manifest));
        FileTrees.force(partial);
        FileTrees.deleteRecursively(target);
        Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
        FileTrees.force(target.toAbsolutePath().getParent());
    }

    /**
     * Drops the oldest checkpoints until {@code keep} are left, never {@code justWritten} nor a pinned one, and the
     * partial saves a crash left (no save is in flight now).
     */
    private void prune(Path justWritten) throws IOException {
        List<Path> all = complete();
        int excess = all.size() - keep;
        for (Path dir : all) {
            if (excess <= 0) {
                break;
            }
            if (!dir.equals(justWritten) && !pinned.test(dir)) {
                FileTrees.deleteRecursively(dir);
                excess--;
            }
        }
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path d : dirs.filter(CheckpointLayout::isPartial).toList()) {
                FileTrees.deleteRecursively(d);
            }
        }
    }

    private List<Path> complete() {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> dirs = Files.list(root)) {
            return new ArrayList<>(dirs.filter(d -> d.getFileName().toString().startsWith(CheckpointLayout.DIRECTORY_PREFIX))
                    .filter(d -> Files.isRegularFile(d.resolve(CheckpointMeta.FILE)))
                    .sorted(Comparator.comparing(d -> d.getFileName().toString())).toList());
        } catch (IOException e) {
            throw new CheckpointException("cannot list the checkpoints in " + root + ": " + e.getMessage(), e);
        }
    }

    static String sha256(Path file) throws IOException {
        return Sha256.of(file);
    }

    /** The hex SHA-256 of everything {@code raw} holds; closes it. */
    static String sha256(InputStream raw) throws IOException {
        return Sha256.of(raw);
    }

    static ObjectMapper json() {
        return JSON;
    }
}
