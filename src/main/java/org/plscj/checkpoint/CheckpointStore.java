package org.plscj.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
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
import java.util.stream.Stream;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.Tensor;
import org.plscj.comm.Communicator;
import org.plscj.head.ClassShard;
import org.plscj.head.PartialFC;
import org.plscj.head.ShardWeights;
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
 * {@code step-*} with a manifest is the one to resume from. Only the last {@code keep} are kept.
 * The directory must be shared by all workers (one machine, or a shared file system).
 */
public final class CheckpointStore {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path root;
    private final int keep;

    public CheckpointStore(Path modelSaveDir, int keep) {
        if (keep <= 0) {
            throw new IllegalArgumentException("max_last_checkpoint_num must be positive, got " + keep);
        }
        this.root = modelSaveDir.resolve("checkpoints");
        this.keep = keep;
    }

    public Path root() {
        return root;
    }

    /** Saves on every worker at once (a collective: all ranks call it); returns the checkpoint directory. */
    public Path save(Snapshot s, Communicator comm) {
        Path partial = CheckpointLayout.partial(root, s.step());
        Path target = root.resolve(CheckpointLayout.directoryName(s.step()));
        try {
            if (comm.rank() == 0) {
                deleteRecursively(partial);
                Files.createDirectories(partial);
            }
            comm.barrier();
            try (PointerScope scope = new PointerScope()) {
                TorchFile.write(partial.resolve(CheckpointLayout.headShard(comm.rank(), comm.worldSize())), headEntries(s.head()));
                if (comm.rank() == 0) {
                    TorchFile.write(partial.resolve(CheckpointLayout.BACKBONE), new LinkedHashMap<>(stateDict(s.backbone())));
                    TorchFile.write(partial.resolve(CheckpointLayout.OPTIMIZER), new LinkedHashMap<>(s.momentum()));
                }
            }
            comm.barrier();
            if (comm.rank() == 0) {
                publish(s, comm.worldSize(), partial, target);
                prune();
            }
            comm.barrier();
        } catch (IOException e) {
            throw new CheckpointException("cannot save the checkpoint of step " + s.step() + " into " + partial + ": " + e.getMessage(), e);
        }
        return target;
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

    private static Map<String, Object> headEntries(PartialFC head) {
        ShardWeights w = head.weights();
        ClassShard shard = head.shard();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("weight", w.weight());
        out.put("momentum", w.momentum());
        if (w.bias() != null) {
            out.put("bias", w.bias());
            out.put("bias_momentum", w.biasMomentum());
        }
        out.put("class_start", shard.start());
        out.put("class_count", shard.size());
        out.put("num_classes", shard.numClasses());
        return out;
    }

    private void publish(Snapshot s, int worldSize, Path partial, Path target) throws IOException {
        Map<String, String> sums = new LinkedHashMap<>();
        try (Stream<Path> files = Files.list(partial)) {
            for (Path f : files.sorted().toList()) {
                sums.put(f.getFileName().toString(), sha256(f));
            }
        }
        CheckpointMeta meta = new CheckpointMeta(CheckpointMeta.FORMAT, s.backbone().modelName(),
                s.head().config().lossType().plscName(), worldSize, s.head().config().embDim(), s.head().config().numClasses(),
                s.step(), s.epoch(), s.lr(), s.configYaml(), sums);
        Path metaFile = partial.resolve(CheckpointMeta.FILE);
        Path metaTemp = partial.resolve(CheckpointMeta.FILE + ".tmp");
        Files.write(metaTemp, JSON.writeValueAsBytes(meta));
        force(metaTemp);
        Files.move(metaTemp, metaFile, StandardCopyOption.ATOMIC_MOVE);
        force(partial);
        deleteRecursively(target);
        Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
        force(root);
    }

    private void prune() throws IOException {
        List<Path> all = complete();
        for (int i = 0; i < all.size() - keep; i++) {
            deleteRecursively(all.get(i));
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
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JRE has no SHA-256", e);
        }
    }

    static ObjectMapper json() {
        return JSON;
    }

    private static void force(Path path) {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // why ignored: some platforms cannot open a directory for sync; its entries are then as durable as the OS makes them
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
