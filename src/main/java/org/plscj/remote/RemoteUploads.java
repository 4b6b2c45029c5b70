package org.plscj.remote;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Uploads completed local checkpoints to a remote directory on one background thread, in save order, so
 * training never waits on the network, and with them the files of a directory of append-only logs (the TensorBoard
 * event files) as far as they are written when asked; {@link #finish} waits for what is pending and returns the failures.
 */
public final class RemoteUploads implements AutoCloseable {
    private final RemoteStorage storage;
    private final URI remoteParent;
    private final int keep;
    private final ExecutorService thread;
    private final List<String> failures = new ArrayList<>();
    private final List<URI> uploaded = new ArrayList<>();
    private final Set<Path> pending = ConcurrentHashMap.newKeySet();
    private final Consumer<String> onFailure;
    /** Bytes of each log file uploaded so far (upload thread only): an unchanged file is not sent again. */
    private final Map<Path, Long> sentLengths = new HashMap<>();

    /**
     * @param keep      remote checkpoints kept (max_last_checkpoint_num); older ones are deleted after each upload
     * @param onFailure told each failure's message when it happens (on the upload thread)
     */
    public RemoteUploads(RemoteStorage storage, URI remoteParent, int keep, Consumer<String> onFailure) {
        this.storage = storage;
        this.remoteParent = remoteParent;
        this.keep = keep;
        this.onFailure = onFailure;
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "plsc-checkpoint-upload");
            t.setDaemon(true);
            return t;
        });
    }

    public URI remoteParent() {
        return remoteParent;
    }

    /** Queues {@code localCheckpointDir} for upload and returns at once. */
    public void submit(Path localCheckpointDir) {
        pending.add(localCheckpointDir);
        thread.execute(() -> {
            try {
                storage.upload(localCheckpointDir, remoteParent);
                storage.prune(remoteParent, keep);
                synchronized (failures) {
                    uploaded.add(FileSystemRemoteStorage.child(remoteParent, localCheckpointDir.getFileName().toString()));
                }
            } catch (RuntimeException e) {
                synchronized (failures) {
                    failures.add(e.getMessage());
                }
                onFailure.accept(e.getMessage());
            } finally {
                pending.remove(localCheckpointDir);
            }
        });
    }

    /**
     * Queues the regular files of {@code localDir}, each up to its length now (so call it once they are synced: the
     * bytes sent are whole records), for upload into {@code remoteDir}, after the checkpoints queued before; returns at
     * once. A file whose length has not changed since its last upload is skipped.
     */
    public void submitFiles(Path localDir, URI remoteDir) throws IOException {
        Map<Path, Long> lengths = new TreeMap<>();
        try (Stream<Path> files = Files.list(localDir)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                lengths.put(file, Files.size(file));
            }
        }
        thread.execute(() -> lengths.forEach((file, length) -> {
            if (length.equals(sentLengths.get(file))) {
                return;
            }
            try {
                storage.putFile(file, length, remoteDir);
                sentLengths.put(file, length);
            } catch (RuntimeException e) {
                synchronized (failures) {
                    failures.add(e.getMessage());
                }
                onFailure.accept(e.getMessage());
            }
        }));
    }

    /** Whether {@code localCheckpointDir} was submitted and its upload has not ended yet (local pruning must keep it). */
    public boolean isPending(Path localCheckpointDir) {
        return pending.contains(localCheckpointDir);
    }

    /** Waits for every queued upload; returns one message per failed upload (empty when all succeeded). */
    public List<String> finish() throws InterruptedException {
        thread.shutdown();
        while (!thread.awaitTermination(1, TimeUnit.MINUTES)) {
            // why no deadline: each upload ends by itself after its bounded retries
        }
        synchronized (failures) {
            return List.copyOf(failures);
        }
    }

    /** The remote checkpoints uploaded so far. */
    public List<URI> uploaded() {
        synchronized (failures) {
            return List.copyOf(uploaded);
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
