package org.plscj.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.plscj.comm.Communicator;
import org.plscj.head.ClassShard;
import org.plscj.head.ShardWeights;
import org.plscj.io.AtomicFile;
import org.plscj.io.FileTrees;
import org.plscj.model.Backbone;

/**
 * The checkpoints of one training run: {@code <model_save_dir>/checkpoints/step-NNNNNNNN/}, each holding
 * {@code backbone.pt} (the backbone's state_dict: parameters and buffers), {@code optimizer.pt} (the
 * backbone's momentum by parameter name), one {@code head-rank-r-of-W.pt} per worker (its rows of W, their
 * momentum, bias, and the class range) and {@code meta.json}, all {@code torch.load}-able.
 *
 * <p>Crash safety: every worker writes into {@code .step-N.partial/} (each file written to a temporary
 * name, fsynced, renamed); after a barrier rank 0 hashes every file, writes the manifest last and renames
 * the directory into place. A checkpoint directory is therefore complete or absent; the newest
 * {@code step-*} with a manifest is the one to resume from. Only the last {@code keep} are kept, but never the
 * one just written nor one the caller pins (a checkpoint whose upload is pending).
 * The directory must be shared by all workers (one machine, or a shared file system).
 *
 * <p>Test hook: {@code PLSC_TEST_PAUSE_IN_SAVE=<millis>[@<step>]} makes rank 0 print a line and sleep
 * after every shard is written but before the manifest is published (only in the save of {@code step}
 * when given), so a crash test can kill a worker inside a save deterministically. Unset in real runs.
 */
public final class CheckpointStore {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** The test hook's environment variable (see the class comment). */
    public static final String PAUSE_HOOK = "PLSC_TEST_PAUSE_IN_SAVE";

    private final Path root;
    private final int keep;
    private final Predicate<Path> pinned;

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

    /**
     * Saves on every worker at once (a collective: all ranks call it); returns the checkpoint directory.
     *
     * @throws CheckpointWriteException on every rank alike when any rank's write failed (no space, an I/O error),
     *                                  naming that rank and the path; the checkpoints saved before are untouched
     */
    public Path save(Snapshot s, Communicator comm) {
        Path partial = CheckpointLayout.partial(root, s.step());
        Path target = root.resolve(CheckpointLayout.directoryName(s.step()));
        IOException failure = null;
        if (comm.rank() == 0) {
            try {
                FileTrees.deleteRecursively(partial);
                Files.createDirectories(partial);
            } catch (IOException e) {
                failure = new IOException("cannot create " + partial + ": " + e.getMessage(), e);
            }
        }
        agree(failure, comm, s.step(), partial);
        failure = null;
        try (PointerScope scope = new PointerScope()) {
            ShardWeights w = s.head().weights();
            Map<String, Object> entries = headEntries(s.head().shard(),
                    new Checkpoint.HeadState(w.weight(), w.momentum(), w.bias(), w.biasMomentum()));
            // why: dropout draws from this worker's CPU generator; restoring it makes a resumed run continue exactly
            entries.put(Checkpoint.RNG_STATE, torch.getDefaultCPUGenerator().get_state());
            write(partial.resolve(CheckpointLayout.headShard(comm.rank(), comm.worldSize())), entries);
            if (comm.rank() == 0) {
                write(partial.resolve(CheckpointLayout.BACKBONE), new LinkedHashMap<>(stateDict(s.backbone())));
                write(partial.resolve(CheckpointLayout.OPTIMIZER), new LinkedHashMap<>(s.momentum()));
            }
        } catch (IOException e) {
            failure = e;
        }
        agree(failure, comm, s.step(), partial);
        failure = null;
        if (comm.rank() == 0) {
            try {
                pauseIfTesting(s.step());
                publish(manifest(s, comm.worldSize()), partial, target);
                prune(target);
            } catch (IOException e) {
                failure = new IOException("cannot publish " + target + ": " + e.getMessage(), e);
            }
        }
        agree(failure, comm, s.step(), partial);
        return target;
    }

    private static void write(Path file, Map<String, Object> entries) throws IOException {
        try {
            TorchFile.write(file, entries);
        } catch (IOException e) {
            throw new IOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Every rank learns whether any rank failed (and which, and why) and all throw alike; rank 0 then removes the
     * partial save so a full disk is not left fuller. Serves as the barrier between the phases of a save.
     */
    private static void agree(IOException failure, Communicator comm, long step, Path partial) {
        Communicator.Failure f = comm.agreeOnFailure(failure == null ? null : failure.getMessage());
        if (f == null) {
            return;
        }
        if (comm.rank() == 0) {
            try {
                FileTrees.deleteRecursively(partial);
            } catch (IOException e) {
                // why ignore: the next save or resume removes a leftover partial directory anyway
            }
        }
        throw new CheckpointWriteException("rank " + f.rank() + " failed to save the checkpoint of step " + step + ": " + f.message()
                + " (the checkpoints saved before are intact)", failure);
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

    /** A head shard file's entries: its rows, their optimizer state (bias only for softmax) and its class range. */
    static Map<String, Object> headEntries(ClassShard shard, Checkpoint.HeadState h) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("weight", h.weight());
        out.put("momentum", h.momentum());
        if (h.bias() != null) {
            out.put("bias", h.bias());
            out.put("bias_momentum", h.biasMomentum());
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
        byte[] manifest = JSON.writeValueAsBytes(meta.withSha256(sums));
        AtomicFile.write(partial.resolve(CheckpointMeta.FILE), out -> out.write(manifest));
        FileTrees.force(partial);
        FileTrees.deleteRecursively(target);
        Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
        FileTrees.force(target.toAbsolutePath().getParent());
    }

    private static void pauseIfTesting(long step) {
        String hook = System.getenv(PAUSE_HOOK);
        if (hook == null || hook.isBlank()) {
            return;
        }
        String[] parts = hook.trim().split("@");
        long millis;
        try {
            millis = Long.parseLong(parts[0]);
            if (parts.length > 2) {
                throw new NumberFormatException("more than one @");
            }
            if (parts.length == 2 && Long.parseLong(parts[1]) != step) {
                return;
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(PAUSE_HOOK + " must be <millis>[@<step>], got '" + hook + "'", e);
        }
        System.err.println(PAUSE_HOOK + ": pausing " + millis + " ms in the save of step " + step + " before publishing it");
        System.err.flush();
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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
        return sha256(Files.newInputStream(file));
    }

    /** The hex SHA-256 of everything {@code raw} holds; closes it. */
    static String sha256(InputStream raw) throws IOException {
        try (InputStream in = new DigestInputStream(raw, MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JRE has no SHA-256", e);
        }
    }

    static ObjectMapper json() {
        return JSON;
    }
}
