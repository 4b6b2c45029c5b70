package org.plscj.remote;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiPredicate;
import org.plscj.checkpoint.Checkpoint;
import org.plscj.checkpoint.CheckpointException;
import org.plscj.checkpoint.CheckpointLayout;
import org.plscj.checkpoint.CheckpointMeta;
import org.plscj.io.FileTrees;
import org.plscj.io.Sha256;

/**
 * {@link RemoteStorage}'s whole protocol (partial directory, read-back verification, manifest last, atomic
 * rename, retries with backoff, errors naming the URI) over seven file-system primitives a provider
 * implements. Directories are URIs without a trailing slash; {@link #child} names a file in one.
 */
public abstract class FileSystemRemoteStorage implements RemoteStorage {
    private final int tries;
    private final long backoffMillis;

    protected FileSystemRemoteStorage(int tries, long backoffMillis) {
        if (tries <= 0) {
            throw new IllegalArgumentException("tries must be positive, got " + tries);
        }
        this.tries = tries;
        this.backoffMillis = backoffMillis;
    }

    protected FileSystemRemoteStorage() {
        this(3, 1000);
    }

    /** Reads a remote file. */
    protected abstract InputStream open(URI file) throws IOException;

    /** Creates (or replaces) a remote file; closing the stream completes it. */
    protected abstract OutputStream create(URI file) throws IOException;

    protected abstract boolean exists(URI path) throws IOException;

    /** The names of the entries of a remote directory; empty when it does not exist. */
    protected abstract List<String> list(URI dir) throws IOException;

    protected abstract void mkdirs(URI dir) throws IOException;

    /** Deletes a remote file or directory tree; nothing when absent. */
    protected abstract void deleteRecursively(URI path) throws IOException;

    /** Renames in one atomic step; {@code to} does not exist. */
    protected abstract void rename(URI from, URI to) throws IOException;

    /** {@code dir/name}. */
    public static URI child(URI dir, String name) {
        String s = dir.toString();
        while (s.endsWith("/") && s.length() > 1) {
            s = s.substring(0, s.length() - 1);
        }
        return URI.create(s + "/" + name);
    }

    /** The last path segment of {@code uri}. */
    public static String name(URI uri) {
        String p = uri.getPath();
        while (p.endsWith("/") && p.length() > 1) {
            p = p.substring(0, p.length() - 1);
        }
        return p.substring(p.lastIndexOf('/') + 1);
    }

    @Override
    public void upload(Path localCheckpointDir, URI remoteParent) {
        CheckpointMeta meta = Checkpoint.readMeta(localCheckpointDir);
        String dirName = localCheckpointDir.getFileName().toString();
        URI target = child(remoteParent, dirName);
        URI partial = partial(remoteParent, dirName);
        retrying("upload " + localCheckpointDir + " to " + target, () -> {
            deleteRecursively(partial);
            mkdirs(partial);
            uploadFiles(localCheckpointDir, meta, partial, false);
            publish(localCheckpointDir, partial, target);
            return null;
        });
    }

    @Override
    public void beginParts(String name, URI remoteParent) {
        URI partial = partial(remoteParent, name);
        retrying("prepare " + partial, () -> {
            deleteRecursively(partial);
            mkdirs(partial);
            return null;
        });
    }

    @Override
    public void uploadPart(Path localCheckpointDir, URI remoteParent) {
        CheckpointMeta meta = Checkpoint.readMeta(localCheckpointDir);
        URI partial = partial(remoteParent, localCheckpointDir.getFileName().toString());
        retrying("upload this machine's part of " + localCheckpointDir + " to " + partial, () -> {
            uploadFiles(localCheckpointDir, meta, partial, true);
            return null;
        });
    }

    @Override
    public void publishParts(Path localCheckpointDir, URI remoteParent) {
        CheckpointMeta meta = Checkpoint.readMeta(localCheckpointDir);
        String dirName = localCheckpointDir.getFileName().toString();
        URI partial = partial(remoteParent, dirName);
        URI target = child(remoteParent, dirName);
        retrying("publish " + target, () -> {
            for (String name : meta.sha256().keySet()) {
                if (!exists(child(partial, name))) {
                    throw new CheckpointException(child(partial, name) + " was uploaded by no machine, but the manifest lists it;"
                            + " the checkpoint is not published");
                }
            }
            publish(localCheckpointDir, partial, target);
            return null;
        });
    }

    @Override
    public void putFile(Path localFile, long length, URI remoteDir) {
        String name = localFile.getFileName().toString();
        URI target = child(remoteDir, name);
        URI partial = child(remoteDir, "." + name + ".partial");
        retrying("upload " + localFile + " to " + target, () -> {
            if (Files.size(localFile) < length) {
                throw new IllegalArgumentException(localFile + " holds " + Files.size(localFile) + " bytes, fewer than the " + length
                        + " to upload");
            }
            mkdirs(remoteDir);
            String expected;
            try (InputStream in = new Prefix(Files.newInputStream(localFile), length)) {
                write(in, partial);
            }
            try (InputStream in = new Prefix(Files.newInputStream(localFile), length)) {
                expected = Sha256.of(in);
            }
            String readBack;
            try (InputStream in = open(partial)) {
                readBack = Sha256.of(in);
            }
            if (!readBack.equals(expected)) {
                throw new IOException(partial + " reads back with SHA-256 " + readBack + ", the first " + length + " bytes of "
                        + localFile + " have " + expected);
            }
            deleteRecursively(target);
            rename(partial, target);
            return null;
        });
    }

    /** The first {@code length} bytes of a stream: what of a growing file was complete when its upload was asked for. */
    private static final class Prefix extends java.io.FilterInputStream {
        private long left;

        Prefix(InputStream in, long length) {
            super(in);
            this.left = length;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                return -1;
            }
            int b = super.read();
            left -= b < 0 ? 0 : 1;
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            if (left <= 0) {
                return -1;
            }
            int n = super.read(buf, off, (int) Math.min(len, left));
            left -= Math.max(n, 0);
            return n;
        }
    }

    private static URI partial(URI remoteParent, String dirName) {
        return child(remoteParent, "." + dirName + ".partial");
    }

    /** Uploads the manifest's files (with {@code onlyPresent}, those this machine holds), each read back and compared. */
    private void uploadFiles(Path localCheckpointDir, CheckpointMeta meta, URI partial, boolean onlyPresent) throws IOException {
        for (Map.Entry<String, String> e : meta.sha256().entrySet()) {
            Path local = localCheckpointDir.resolve(e.getKey());
            if (onlyPresent && !Files.exists(local)) {
                continue;
            }
            URI remote = child(partial, e.getKey());
            try (InputStream in = Files.newInputStream(local)) {
                write(in, remote);
            }
            String readBack;
            try (InputStream in = open(remote)) {
                readBack = Sha256.of(in);
            }
            if (!readBack.equals(e.getValue())) {
                throw new IOException(remote + " reads back with SHA-256 " + readBack + ", the manifest says " + e.getValue());
            }
        }
    }

    /** Writes the local manifest into the remote partial last, reads it back, and renames the partial to {@code target}. */
    private void publish(Path localCheckpointDir, URI partial, URI target) throws IOException {
        // why last: a remote directory with a manifest is complete (newest() relies on it)
        URI remoteMeta = child(partial, CheckpointMeta.FILE);
        byte[] metaBytes = Files.readAllBytes(localCheckpointDir.resolve(CheckpointMeta.FILE));
        write(new java.io.ByteArrayInputStream(metaBytes), remoteMeta);
        try (InputStream in = open(remoteMeta)) {
            if (!java.util.Arrays.equals(in.readAllBytes(), metaBytes)) {
                throw new IOException(remoteMeta + " does not read back as written");
            }
        }
        deleteRecursively(target);
        rename(partial, target);
    }

    /**
     * Copies {@code in} into a new remote file. Not try-with-resources: HDFS's stream rethrows the write's own
     * exception from close(), and self-suppression would turn a retryable IOException into an IllegalArgumentException.
     */
    private void write(InputStream in, URI remote) throws IOException {
        OutputStream out = create(remote);
        try {
            in.transferTo(out);
        } catch (IOException e) {
            try {
                out.close();
            } catch (IOException c) {
                if (c != e) {
                    e.addSuppressed(c);
                }
            }
            throw e;
        }
        out.close();
    }

    @Override
    public void prune(URI remoteParent, int keep) {
        retrying("prune the checkpoints in " + remoteParent, () -> {
            List<String> names = list(remoteParent);
            List<String> complete = new java.util.ArrayList<>();
            for (String n : names.stream().filter(n -> n.startsWith(CheckpointLayout.DIRECTORY_PREFIX)).sorted().toList()) {
                if (exists(child(child(remoteParent, n), CheckpointMeta.FILE))) {
                    complete.add(n);
                }
            }
            for (int i = 0; i < complete.size() - keep; i++) {
                deleteRecursively(child(remoteParent, complete.get(i)));
            }
            for (String n : names) {
                if (n.startsWith(".") && n.endsWith(".partial")) {
                    deleteRecursively(child(remoteParent, n));
                }
            }
            return null;
        });
    }

    @Override
    public Optional<URI> newest(URI remoteParent) {
        return retrying("list the checkpoints in " + remoteParent, () -> {
            List<String> names = list(remoteParent).stream().filter(n -> n.startsWith(CheckpointLayout.DIRECTORY_PREFIX))
                    .sorted(Comparator.reverseOrder()).toList();
            for (String n : names) {
                URI dir = child(remoteParent, n);
                if (exists(child(dir, CheckpointMeta.FILE))) {
                    return Optional.of(dir);
                }
            }
            return Optional.<URI>empty();
        });
    }

    @Override
    public void download(URI remoteCheckpoint, Path localParent, BiPredicate<CheckpointMeta, String> wanted) {
        String dirName = name(remoteCheckpoint);
        Path target = localParent.resolve(dirName);
        Path partial = CheckpointLayout.partial(target);
        retrying("download " + remoteCheckpoint + " to " + target, () -> {
            FileTrees.deleteRecursively(partial);
            Files.createDirectories(partial);
            URI remoteMeta = child(remoteCheckpoint, CheckpointMeta.FILE);
            if (!exists(remoteMeta)) {
                throw new CheckpointException(remoteCheckpoint + " is not a checkpoint: it has no " + CheckpointMeta.FILE);
            }
            try (InputStream in = open(remoteMeta)) {
                Files.copy(in, partial.resolve(CheckpointMeta.FILE));
            }
            CheckpointMeta meta = Checkpoint.readMeta(partial);
            boolean all = true;
            for (Map.Entry<String, String> e : meta.sha256().entrySet()) {
                if (!wanted.test(meta, e.getKey())) {
                    all = false;
                    continue;
                }
                URI remote = child(remoteCheckpoint, e.getKey());
                if (!exists(remote)) {
                    throw new CheckpointException(remote + " is missing from the remote checkpoint (its manifest lists it)");
                }
                Path local = partial.resolve(e.getKey());
                try (InputStream in = open(remote)) {
                    Files.copy(in, local);
                }
                String actual = Sha256.of(local);
                if (!actual.equals(e.getValue())) {
                    throw new CheckpointException(remote + " is damaged: its SHA-256 is " + actual + ", the manifest says " + e.getValue()
                            + "; nothing was overwritten in " + localParent);
                }
            }
            if (all) {
                Checkpoint.open(partial);
            }
            FileTrees.deleteRecursively(target);
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
            FileTrees.force(localParent);
            return null;
        }, () -> FileTrees.deleteRecursively(partial));
    }

    @Override
    public void fetchDirectory(URI remoteDir, Path localTarget, java.util.function.Predicate<String> wanted) {
        if (Files.isDirectory(localTarget)) {
            return;
        }
        Path partial = CheckpointLayout.partial(localTarget);
        retrying("fetch " + remoteDir + " to " + localTarget, () -> {
            List<String> names = list(remoteDir);
            if (names.isEmpty()) {
                throw new CheckpointException(remoteDir + " does not exist or is empty");
            }
            FileTrees.deleteRecursively(partial);
            Files.createDirectories(partial);
            for (String name : names.stream().filter(wanted).toList()) {
                CheckpointLayout.requirePlainName(name, remoteDir);
                try (InputStream in = open(child(remoteDir, name))) {
                    Files.copy(in, partial.resolve(name));
                }
                FileTrees.force(partial.resolve(name));
            }
            Files.move(partial, localTarget, StandardCopyOption.ATOMIC_MOVE);
            FileTrees.force(localTarget.getParent());
            return null;
        }, () -> FileTrees.deleteRecursively(partial));
    }

    /** One remote operation, retried on IOException with doubling backoff; the final error names what and where. */
    protected interface Action<T> {
        T run() throws IOException;
    }

    private interface Cleanup {
        void run() throws IOException;
    }

    protected final <T> T retrying(String what, Action<T> action) {
        return retrying(what, action, () -> { });
    }

    private <T> T retrying(String what, Action<T> action, Cleanup onFailure) {
        IOException last = null;
        long wait = backoffMillis;
        for (int attempt = 1; attempt <= tries; attempt++) {
            try {
                return action.run();
            } catch (IOException e) {
                last = e;
                if (attempt < tries) {
                    try {
                        Thread.sleep(wait);
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                    wait *= 2;
                }
            } catch (RuntimeException e) {
                cleanQuietly(onFailure, e);
                throw e;
            }
        }
        CheckpointException failed = new CheckpointException("cannot " + what + " after " + tries + " tries: " + last, last);
        cleanQuietly(onFailure, failed);
        throw failed;
    }

    private static void cleanQuietly(Cleanup cleanup, RuntimeException cause) {
        try {
            cleanup.run();
        } catch (IOException e) {
            cause.addSuppressed(e);
        }
    }
}
