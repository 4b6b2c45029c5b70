package org.plscj.train;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.zip.CRC32;
import org.plscj.checkpoint.RemoteStorages;
import org.plscj.comm.Communicator;
import org.plscj.comm.DistEnv;

/**
 * dataset_dir and val_data_dir as URIs (hdfs://, s3a://, ...): the directory is copied once per machine into
 * {@code <local_save_dir>/remote-data/} (by the worker with LOCAL_RANK 0, the others wait at a barrier) and
 * training reads the local copy. A copy appears only when complete, and a later run reuses it.
 */
final class RemoteData {
    private RemoteData() {}

    /** The local directory to read {@code location} from: itself when it is local, else its fetched copy. */
    static Path localCopy(String location, TrainConfig config, Communicator comm) {
        URI remote = RemoteStorages.remoteUri(location);
        if (remote == null) {
            return location.startsWith("file:") ? Path.of(URI.create(location)) : Path.of(location);
        }
        CRC32 crc = new CRC32();
        crc.update(remote.toString().getBytes(StandardCharsets.UTF_8));
        // why the URI's checksum in the name: two remote sets with the same last segment must not share a copy
        Path target = Path.of(config.localSaveDir()).resolve("remote-data")
                .resolve(RemoteStorages.name(remote) + "-" + HexFormat.of().toHexDigits((int) crc.getValue()));
        if (DistEnv.fromEnvironment().localRank() == 0) {
            RemoteStorages.forUri(remote, config.remoteOptions()).fetchDirectory(remote, target);
        }
        comm.barrier();
        return target;
    }
}
