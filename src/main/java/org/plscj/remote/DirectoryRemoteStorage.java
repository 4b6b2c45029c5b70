package org.plscj.remote;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;
import org.plscj.io.FileTrees;

/**
 * {@code dir:///abs/path}: a directory every machine mounts (NFS, a cluster file system) used as remote storage,
 * with the remote protocol's guarantees (verified uploads, manifest last, atomic rename) — and what tests of
 * machines without a shared disk use as their store.
 */
public class DirectoryRemoteStorage extends FileSystemRemoteStorage {
    public DirectoryRemoteStorage() {
        super();
    }

    protected DirectoryRemoteStorage(int tries, long backoffMillis) {
        super(tries, backoffMillis);
    }

    @Override
    public boolean handles(URI uri) {
        return "dir".equals(uri.getScheme());
    }

    /** The local path of a {@code scheme:///abs/path} URI. */
    protected static Path local(URI uri) {
        return Path.of(uri.getPath());
    }

    @Override
    protected InputStream open(URI file) throws IOException {
        return Files.newInputStream(local(file));
    }

    @Override
    protected OutputStream create(URI file) throws IOException {
        return Files.newOutputStream(local(file));
    }

    @Override
    protected boolean exists(URI path) {
        return Files.exists(local(path));
    }

    @Override
    protected List<String> list(URI dir) throws IOException {
        if (!Files.isDirectory(local(dir))) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(local(dir))) {
            return s.map(p -> p.getFileName().toString()).toList();
        }
    }

    @Override
    protected void mkdirs(URI dir) throws IOException {
        Files.createDirectories(local(dir));
    }

    @Override
    protected void deleteRecursively(URI path) throws IOException {
        FileTrees.deleteRecursively(local(path));
    }

    @Override
    protected void rename(URI from, URI to) throws IOException {
        Files.move(local(from), local(to), StandardCopyOption.ATOMIC_MOVE);
    }
}
