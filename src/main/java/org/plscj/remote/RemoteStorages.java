package org.plscj.remote;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Map;
import java.util.ServiceLoader;
import org.plscj.checkpoint.CheckpointException;

/** Finds the {@link RemoteStorage} provider for a URI on the class path. */
public final class RemoteStorages {
    private RemoteStorages() {}

    /**
     * The URI that {@code location} names when it is remote (a scheme of two or more letters other than
     * {@code file}, e.g. {@code hdfs://nn:8020/runs/a}); null when it is a local path or a {@code file:} URI.
     */
    public static URI remoteUri(String location) {
        if (location == null || !location.matches("[A-Za-z][A-Za-z0-9+.-]+:.*")) {
            return null;
        }
        try {
            URI uri = new URI(location);
            return uri.getScheme() == null || uri.getScheme().equalsIgnoreCase("file") ? null : uri;
        } catch (URISyntaxException e) {
            throw new CheckpointException(location + " is not a valid URI: " + e.getMessage(), e);
        }
    }

    /** {@code dir/name}. */
    public static URI child(URI dir, String name) {
        return FileSystemRemoteStorage.child(dir, name);
    }

    /** The last path segment of {@code uri}. */
    public static String name(URI uri) {
        return FileSystemRemoteStorage.name(uri);
    }

    /** The provider for {@code uri}, unconfigured. */
    public static RemoteStorage forUri(URI uri) {
        return forUri(uri, Map.of());
    }

    /** The provider for {@code uri} with {@code options} applied; a clear error when no provider handles its scheme. */
    public static RemoteStorage forUri(URI uri, Map<String, String> options) {
        for (RemoteStorage provider : ServiceLoader.load(RemoteStorage.class, RemoteStorages.class.getClassLoader())) {
            if (provider.handles(uri)) {
                return provider.configured(options);
            }
        }
        throw new CheckpointException("model_save_dir " + uri + " needs the plsc-hdfs module on the classpath: no "
                + RemoteStorage.class.getSimpleName() + " provider handles the scheme '" + uri.getScheme() + "' (build it with "
                + "'mvn -B -q install -DskipTests && mvn -B -q -f hdfs/pom.xml package -DskipTests', then "
                + "PLSC_CLASSPATH=hdfs/target/plsc-hdfs-0.1.0-SNAPSHOT.jar:$(cat hdfs/target/classpath.txt); README: Checkpoints on HDFS / S3)");
    }
}
