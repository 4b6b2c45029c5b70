package org.plscj.checkpoint;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.plscj.remote.DirectoryRemoteStorage;
import org.plscj.remote.RemoteStorage;

/** A test provider: {@code fake:///abs/dir} is the local directory {@code /abs/dir}; counts uploads and downloads. */
public final class FakeRemoteStorage extends DirectoryRemoteStorage {
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
    public void download(URI remoteCheckpoint, Path localParent, java.util.function.BiPredicate<CheckpointMeta, String> wanted) {
        super.download(remoteCheckpoint, localParent, wanted);
        DOWNLOADS.incrementAndGet();
    }
}
