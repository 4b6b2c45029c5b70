package org.plscj.hdfs;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.plscj.remote.FileSystemRemoteStorage;
import org.plscj.remote.RemoteStorage;

/**
 * Checkpoints on HDFS, S3 (s3a), WebHDFS and viewfs through Hadoop's {@link FileSystem} API (no {@code hadoop fs}
 * processes). Options: PLSC's {@code fs_name} becomes {@code fs.defaultFS}; {@code fs_ugi} (the user name)
 * names the Hadoop user (else {@code HADOOP_USER_NAME} or the login user); every key with a dot is set on the
 * Hadoop {@link Configuration} as is ({@code ipc.client.connect.max.retries=1}); {@code remote_tries} and
 * {@code remote_backoff_ms} tune the retries (default 3 tries, 1 s then 2 s).
 */
public final class HadoopRemoteStorage extends FileSystemRemoteStorage {
    /** The schemes served. */
    public static final Set<String> SCHEMES = Set.of("hdfs", "s3a", "webhdfs", "swebhdfs", "viewfs");

    private final Configuration conf;
    private final String user;
    private final Map<String, FileSystem> open = new ConcurrentHashMap<>();

    /** The ServiceLoader's instance: default configuration, default user. */
    public HadoopRemoteStorage() {
        this(new Configuration(), null, 3, 1000);
    }

    private HadoopRemoteStorage(Configuration conf, String user, int tries, long backoffMillis) {
        super(tries, backoffMillis);
        this.conf = conf;
        this.user = user;
    }

    @Override
    public boolean handles(URI uri) {
        return uri.getScheme() != null && SCHEMES.contains(uri.getScheme().toLowerCase());
    }

    @Override
    public RemoteStorage configured(Map<String, String> options) {
        Configuration c = new Configuration();
        String u = null;
        int tries = 3;
        long backoff = 1000;
        for (Map.Entry<String, String> e : options.entrySet()) {
            switch (e.getKey()) {
                case "fs_name" -> c.set(FileSystem.FS_DEFAULT_NAME_KEY, e.getValue());
                case "fs_ugi" -> u = e.getValue().split(",", 2)[0].trim();
                case "remote_tries" -> tries = Integer.parseInt(e.getValue());
                case "remote_backoff_ms" -> backoff = Long.parseLong(e.getValue());
                default -> {
                    if (!e.getKey().contains(".")) {
                        throw new IllegalArgumentException("unknown remote storage option '" + e.getKey()
                                + "' (fs_name, fs_ugi, remote_tries, remote_backoff_ms, or a Hadoop property with a dot)");
                    }
                    c.set(e.getKey(), e.getValue());
                }
            }
        }
        return new HadoopRemoteStorage(c, u == null || u.isEmpty() ? null : u, tries, backoff);
    }

    private FileSystem fs(URI uri) throws IOException {
        String key = uri.getScheme() + "://" + (uri.getAuthority() == null ? "" : uri.getAuthority());
        FileSystem fs = open.get(key);
        if (fs != null) {
            return fs;
        }
        try {
            // why newInstance: Hadoop's cache is keyed without our Configuration, so another conf would be ignored
            fs = user == null ? FileSystem.newInstance(uri, conf) : FileSystem.newInstance(uri, conf, user);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while connecting to " + uri, e);
        }
        FileSystem raced = open.putIfAbsent(key, fs);
        if (raced != null) {
            fs.close();
            return raced;
        }
        return fs;
    }

    private static Path path(URI uri) {
        return new Path(uri);
    }

    @Override
    protected InputStream open(URI file) throws IOException {
        return fs(file).open(path(file));
    }

    @Override
    protected OutputStream create(URI file) throws IOException {
        return fs(file).create(path(file), true);
    }

    @Override
    protected boolean exists(URI path) throws IOException {
        return fs(path).exists(path(path));
    }

    @Override
    protected List<String> list(URI dir) throws IOException {
        FileSystem fs = fs(dir);
        if (!fs.exists(path(dir))) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (FileStatus s : fs.listStatus(path(dir))) {
            out.add(s.getPath().getName());
        }
        return out;
    }

    @Override
    protected void mkdirs(URI dir) throws IOException {
        if (!fs(dir).mkdirs(path(dir))) {
            throw new IOException("cannot create the directory " + dir);
        }
    }

    @Override
    protected void deleteRecursively(URI path) throws IOException {
        fs(path).delete(path(path), true);
    }

    @Override
    protected void rename(URI from, URI to) throws IOException {
        if (!fs(from).rename(path(from), path(to))) {
            throw new IOException("cannot rename " + from + " to " + to);
        }
    }
}
