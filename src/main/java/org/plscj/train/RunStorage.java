package org.plscj.train;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Optional;
import org.plscj.checkpoint.Checkpoint;
import org.plscj.checkpoint.CheckpointException;
import org.plscj.checkpoint.CheckpointStore;
import org.plscj.checkpoint.CheckpointWriteException;
import org.plscj.remote.RemoteStorage;
import org.plscj.remote.RemoteStorages;
import org.plscj.remote.RemoteUploads;
import org.plscj.checkpoint.Snapshot;
import org.plscj.comm.Communicator;
import org.plscj.head.ClassShard;

/**
 * Where one run's checkpoints live, on every worker: rank 0's lock on model_save_dir, the local store (one shared
 * directory or one per machine, found out at start), and a remote model_save_dir with its uploads — rank 0's in the
 * background when the directory is shared, every machine's own part, synchronously, when it is not. Opening it
 * refuses a directory another trainer holds or another run's checkpoints (unless forced), and on resume brings the
 * newest remote checkpoint (or this machine's part of it) into the local store.
 */
final class RunStorage implements AutoCloseable {
    private final TrainConfig config;
    private final Communicator comm;
    private final PrintStream out;
    private final CheckpointStore store;
    /** The remote model_save_dir's provider and its checkpoints directory; null when model_save_dir is local. */
    private final RemoteStorage storage;
    private final URI remoteCheckpoints;
    /** Rank 0's background uploads when model_save_dir is remote and shared; null otherwise. */
    private final RemoteUploads uploads;
    /** Rank 0's hold on model_save_dir; null on the other ranks. */
    private final RunLock lock;

    private RunStorage(TrainConfig config, Communicator comm, boolean resume, boolean force, PrintStream out) throws IOException {
        this.config = config;
        this.comm = comm;
        this.out = out;
        URI remote = config.remoteModelSaveDir();
        this.storage = remote == null ? null : RemoteStorages.forUri(remote, config.remoteOptions());
        this.remoteCheckpoints = remote == null ? null : RemoteStorages.child(remote, "checkpoints");
        this.uploads = remote != null && comm.rank() == 0
                ? new RemoteUploads(storage, remoteCheckpoints, config.maxLastCheckpointNum(),
                        failure -> out.println("plsc train: upload failed (training goes on; what failed stays complete"
                                + " locally): " + failure))
                : null;
        this.store = new CheckpointStore(config.localModelSaveDir(), config.maxLastCheckpointNum(),
                dir -> uploads != null && uploads.isPending(dir));
        this.lock = claimSaveDir(resume, force);
    }

    /**
     * Claims model_save_dir for this run on every worker at once (a collective) and, with {@code resume} and a remote
     * model_save_dir, brings the newest remote checkpoint into the local store.
     */
    static RunStorage open(TrainConfig config, Communicator comm, boolean resume, boolean force, PrintStream out) throws IOException {
        RunStorage s = new RunStorage(config, comm, resume, force, out);
        try {
            if (resume && s.storage != null) {
                s.downloadIfNewer();
            }
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    CheckpointStore store() {
        return store;
    }

    /** Saves on every worker at once and uploads when model_save_dir is remote; returns the local checkpoint. */
    Path save(Snapshot snapshot) {
        Path saved = store.save(snapshot, comm);
        if (storage != null && store.sharing() == CheckpointStore.Sharing.PER_MACHINE) {
            uploadParts(saved);
        } else if (uploads != null) {
            uploads.submit(saved);
        }
        return saved;
    }

    /**
     * Rank 0, after a checkpoint, once the TensorBoard files are synced: queues them (as far as they are written now) for
     * upload into the remote model_save_dir's tb/, in the background after the checkpoint. Nothing when it is local.
     */
    void uploadTensorBoard() throws IOException {
        Path tb = config.localModelSaveDir().resolve(TrainingLog.TB_DIR);
        if (uploads != null && Files.isDirectory(tb)) {
            uploads.submitFiles(tb, RemoteStorages.child(config.remoteModelSaveDir(), TrainingLog.TB_DIR));
        }
    }

    /** "shared directory" or "one directory per machine", and how it is uploaded. */
    String describe() {
        boolean perMachine = store.sharing() == CheckpointStore.Sharing.PER_MACHINE;
        String where = perMachine ? "one directory per machine" : "shared directory";
        return storage == null ? where : where + (perMachine ? ", uploaded by every machine" : ", uploading in the background");
    }

    /**
     * Rank 0 locks model_save_dir for the run; the workers find out whether they share it or each machine has its own
     * ({@link CheckpointStore#detectSharing}); for a fresh run, every directory's publisher makes sure it holds no
     * checkpoints of another run (or, with force, moves them aside). Every worker learns a refusal, so all fail alike.
     *
     * @return rank 0's lock; null on the other ranks
     */
    private RunLock claimSaveDir(boolean resume, boolean force) throws IOException {
        RunLock held = null;
        String refused = null;
        if (comm.rank() == 0) {
            try {
                held = RunLock.acquire(config.localModelSaveDir(), out);
            } catch (ConfigException e) {
                refused = e.getMessage();
            }
        }
        refuseAlike(refused, held);
        try {
            store.detectSharing(comm);
            if (!resume && store.publishes(comm)) {
                try {
                    clearForFreshRun(force, comm.rank() == 0 ? storage : null);
                } catch (ConfigException e) {
                    refused = e.getMessage();
                }
            }
            refuseAlike(refused, null);
        } catch (RuntimeException e) {
            if (held != null) {
                held.close();
            }
            throw e;
        }
        return held;
    }

    /** Every worker learns the first refusal (null = none) and throws it, naming model_save_dir. */
    private void refuseAlike(String refused, RunLock held) {
        Communicator.Failure f = comm.agreeOnFailure(refused);
        if (f != null) {
            if (held != null) {
                held.close();
            }
            throw new ConfigException("model_save_dir", f.message());
        }
    }

    /**
     * A directory's publisher, fresh run: refuses earlier checkpoints, or with force moves them aside (and, given the
     * remote storage — rank 0 only — deletes the remote ones), loudly.
     */
    private void clearForFreshRun(boolean force, RemoteStorage remote) throws IOException {
        Optional<Path> local = store.newest();
        Optional<URI> remoteNewest = remote == null ? Optional.empty() : remote.newest(remoteCheckpoints);
        if (local.isEmpty() && remoteNewest.isEmpty()) {
            return;
        }
        String found = local.map(Path::toString).orElseGet(() -> remoteNewest.get().toString());
        if (!force) {
            throw new ConfigException("model_save_dir", "model_save_dir " + config.modelSaveDir() + " already holds checkpoints of a run"
                    + " (newest " + found + "): continue that run with --resume, give this one another model_save_dir, or start over"
                    + " with --force (moves them into replaced-<time>/)");
        }
        Path saveDir = config.localModelSaveDir();
        Path archive = saveDir.resolve("replaced-" + DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC)
                .format(Instant.now()));
        for (String name : List.of("checkpoints", BestCheckpoint.DIRECTORY, MetricsLog.FILE_NAME, TrainingLog.TB_DIR)) {
            Path p = saveDir.resolve(name);
            if (Files.exists(p)) {
                Files.createDirectories(archive);
                Files.move(p, archive.resolve(name));
            }
        }
        out.println("plsc train: --force: MOVED the earlier run's checkpoints, best/ and metrics from " + saveDir + " into " + archive);
        if (remoteNewest.isPresent()) {
            remote.prune(remoteCheckpoints, 0);
            out.println("plsc train: --force: DELETED the earlier run's checkpoints under " + remoteCheckpoints);
        }
    }

    /**
     * Resuming from a remote model_save_dir (a collective): rank 0 names the remote newest checkpoint, and each directory's
     * publisher whose local store lacks one as new fetches it — whole into a shared directory; with one directory per
     * machine just the files its machine's workers read (rank 0's machine also the backbone and optimizer). A failed
     * download fails every rank alike, naming the rank and its message.
     */
    private void downloadIfNewer() {
        String newest = comm.broadcastText(comm.rank() == 0 ? storage.newest(remoteCheckpoints).map(RemoteStorages::name).orElse("") : "", 0);
        String failure = null;
        Optional<Path> local = store.newest();
        boolean behind = local.isEmpty() || local.get().getFileName().toString().compareTo(newest) < 0;
        if (!newest.isEmpty() && behind && store.publishes(comm)) {
            boolean shared = store.sharing() == CheckpointStore.Sharing.SHARED;
            List<Integer> here = java.util.stream.IntStream.range(0, comm.worldSize()).filter(r -> comm.host(r).equals(comm.host(comm.rank())))
                    .boxed().toList();
            URI remoteCheckpoint = RemoteStorages.child(remoteCheckpoints, newest);
            out.println("plsc train: downloading " + (shared ? "" : "this machine's part of ") + remoteCheckpoint + " into " + store.root());
            try {
                storage.download(remoteCheckpoint, store.root(), (meta, file) -> shared || here.stream().anyMatch(r -> Checkpoint.neededFiles(
                        meta, r, comm.worldSize(), ClassShard.of(config.numClasses(), comm.worldSize(), r)).contains(file)));
            } catch (RuntimeException e) {
                failure = e.getMessage();
            }
        }
        Communicator.Failure f = comm.agreeOnFailure(failure);
        if (f != null) {
            throw new CheckpointException("rank " + f.rank() + " on " + comm.host(f.rank()) + " could not download " + newest + ": "
                    + f.message());
        }
    }

    /**
     * Machines without a shared disk, a remote model_save_dir: after a save, every machine uploads its files of the
     * checkpoint into the remote partial (verified by reading back), and rank 0 publishes it (manifest last) only when
     * every machine's part is in. Synchronous: a failure on any machine fails the save on every rank, naming it.
     */
    private void uploadParts(Path checkpoint) {
        String name = checkpoint.getFileName().toString();
        String failure = null;
        if (comm.rank() == 0) {
            try {
                storage.beginParts(name, remoteCheckpoints);
            } catch (RuntimeException e) {
                failure = e.getMessage();
            }
        }
        agreeOnUpload(failure, name);
        if (store.publishes(comm)) {
            try {
                storage.uploadPart(checkpoint, remoteCheckpoints);
            } catch (RuntimeException e) {
                failure = e.getMessage();
            }
        }
        agreeOnUpload(failure, name);
        if (comm.rank() == 0) {
            try {
                storage.publishParts(checkpoint, remoteCheckpoints);
                storage.prune(remoteCheckpoints, config.maxLastCheckpointNum());
            } catch (RuntimeException e) {
                failure = e.getMessage();
            }
        }
        agreeOnUpload(failure, name);
    }

    private void agreeOnUpload(String failure, String name) {
        Communicator.Failure f = comm.agreeOnFailure(failure);
        if (f != null) {
            throw new CheckpointWriteException("rank " + f.rank() + " on " + comm.host(f.rank()) + " failed to upload " + name + " to "
                    + remoteCheckpoints + ": " + f.message() + " (nothing was published; the checkpoint is complete locally)", null);
        }
    }

    /** Waits for rank 0's pending uploads; a failed upload fails the run (its checkpoint or log is only local). */
    void finishUploads() throws InterruptedException {
        if (uploads == null) {
            return;
        }
        // why per machine too: each machine's checkpoint part was uploaded before its save returned, but rank 0's
        // TensorBoard files go in the background
        boolean perMachine = store.sharing() == CheckpointStore.Sharing.PER_MACHINE;
        out.println("plsc train: waiting for " + (perMachine ? "TensorBoard" : "checkpoint and TensorBoard") + " uploads to "
                + config.remoteModelSaveDir());
        List<String> failures = uploads.finish();
        for (String f : failures) {
            out.println("plsc train: upload failed: " + f);
        }
        if (!failures.isEmpty()) {
            throw new CheckpointException(failures.size() + " upload(s) to " + config.remoteModelSaveDir()
                    + " failed (checkpoints and TensorBoard files are complete under " + config.localModelSaveDir() + "): " + failures.get(0));
        }
        if (!perMachine) {
            out.println("plsc train: " + uploads.uploaded().size() + " checkpoint(s) uploaded to " + uploads.remoteParent());
        }
    }

    @Override
    public void close() {
        if (uploads != null) {
            uploads.close();
        }
        if (lock != null) {
            lock.close();
        }
    }
}
