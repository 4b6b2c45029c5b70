package org.plscj.remote;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiPredicate;
import org.plscj.checkpoint.CheckpointMeta;

/**
 * Where checkpoints go beyond the local disk (HDFS, S3, ...): a service provider found by
 * {@link RemoteStorages#forUri} through {@link java.util.ServiceLoader}, so the core carries no client
 * library. The contract every provider keeps (see {@link FileSystemRemoteStorage}, which implements it
 * over a handful of file-system primitives):
 *
 * <ul>
 *   <li>{@link #upload}: the files go into a remote {@code .step-N.partial/}, each read back and its
 *       SHA-256 compared with the local manifest, {@code meta.json} last, then one rename makes the
 *       checkpoint visible; a remote checkpoint is therefore complete or absent.</li>
 *   <li>{@link #newest}: the newest remote {@code step-*} that has a manifest.</li>
 *   <li>{@link #download}: into a local {@code .step-N.partial/}, verified ({@link Checkpoint#open}), renamed.</li>
 *   <li>Transient {@link IOException}s are retried with backoff; errors name the URI.</li>
 * </ul>
 */
public interface RemoteStorage {
    /** Whether this provider serves {@code uri} (by its scheme). */
    boolean handles(URI uri);

    /**
     * This provider with options applied: PLSC's {@code fs_name} and {@code fs_ugi}, and provider-specific
     * keys (for Hadoop, any key with a dot is a Hadoop configuration property). The default ignores them.
     */
    default RemoteStorage configured(Map<String, String> options) {
        return this;
    }

    /** Copies the complete local checkpoint {@code localCheckpointDir} to {@code remoteParent/<its name>}, verified. */
    void upload(Path localCheckpointDir, URI remoteParent);

    /** The newest complete checkpoint directly under {@code remoteParent}, if any. */
    Optional<URI> newest(URI remoteParent);

    /**
     * Drops all but the newest {@code keep} complete checkpoints under {@code remoteParent}, and partial uploads
     * left by an interrupted one (call it only when no upload into {@code remoteParent} is in flight).
     */
    void prune(URI remoteParent, int keep);

    /** Copies the remote checkpoint to {@code localParent/<its name>}, verified; a damaged one is refused, naming the file. */
    default void download(URI remoteCheckpoint, Path localParent) {
        download(remoteCheckpoint, localParent, (meta, name) -> true);
    }

    /**
     * As {@link #download(URI, Path)}, only the manifest and the files {@code wanted} accepts given the manifest (a
     * machine without a shared disk fetches just what its workers read); each verified against the manifest.
     */
    void download(URI remoteCheckpoint, Path localParent, BiPredicate<CheckpointMeta, String> wanted);

    /**
     * Machines without a shared disk, step 1 (rank 0 alone, before the others upload): an empty remote
     * {@code .<name>.partial/} for the checkpoint {@code name}.
     */
    void beginParts(String name, URI remoteParent);

    /**
     * Step 2 (each machine): uploads the files of the local checkpoint its manifest lists and this machine holds into the
     * remote partial, each read back and compared with the manifest. No manifest is written.
     */
    void uploadPart(Path localCheckpointDir, URI remoteParent);

    /**
     * Step 3 (rank 0, once every machine's part is verified): checks that every file the manifest lists was uploaded
     * (naming any that no machine uploaded), writes the manifest last and renames: the checkpoint becomes visible whole.
     */
    void publishParts(Path localCheckpointDir, URI remoteParent);

    /**
     * Copies the first {@code length} bytes of {@code localFile} (an append-only log such as a TensorBoard event file,
     * whose first {@code length} bytes are complete and on disk) to {@code remoteDir/<its name>}, replacing an earlier
     * copy: written beside it as {@code .<name>.partial}, read back and compared, then renamed over it.
     */
    void putFile(Path localFile, long length, URI remoteDir);

    /**
     * Copies a flat remote directory (a data set: file_list.txt and its data files; a folder of .bin sets) to
     * {@code localTarget}, appearing only when complete (a .partial then one rename). An existing
     * {@code localTarget} is taken as that complete copy and reused (delete it to fetch again).
     */
    default void fetchDirectory(URI remoteDir, Path localTarget) {
        fetchDirectory(remoteDir, localTarget, name -> true);
    }

    /** As {@link #fetchDirectory(URI, Path)}, only the entries {@code wanted} accepts (each of them must exist). */
    void fetchDirectory(URI remoteDir, Path localTarget, java.util.function.Predicate<String> wanted);
}
