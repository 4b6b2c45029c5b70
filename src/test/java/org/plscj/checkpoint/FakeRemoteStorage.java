package org.plscj.checkpoint;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.plscj.io.FileTrees;

/** A test provider: {@code fake:///abs/dir} is the local directory {@code /abs/dir}; counts uploads and downloads. */
public final class FakeRemoteStorage extends FileSystemRemoteStorage {
    public static final AtomicInteger UPLOADS = new AtomicInteger();
    public static final AtomicInteger DOWNLOADS = new AtomicInteger();
    /** The options the last configured() saw. */
    public static volatile Map<String, String> lastOptions = Map.of();

    public FakeRemoteStorage() {
        super(3, 10);
    }

    @Override
    public boolean handles(URI uri) {
        return "fake".equals(uri.getScheme());
    }

    @Override
    public RemoteStorage configured(Map<String, String> options) {
        lastOptions = Map.copyOf(options);
        return this;
    }

    @Override
    public void upload(Path localCheckpointDir, URI remoteParent) {
        super.upload(localCheckpointDir, remoteParent);
        UPLOADS.incrementAndGet();
    }

    @Override
    public void download(URI remoteCheckpoint, Path localParent) {
        super.download(remoteCheckpoint, localParent);
        DOWNLOADS.incrementAndGet();
    }

    public static Path local(URI uri) {
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
