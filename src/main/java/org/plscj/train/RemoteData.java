package org.plscj.train;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.HexFormat;
import java.util.zip.CRC32;
import org.plscj.remote.RemoteStorage;
import org.plscj.remote.RemoteStorages;
import org.plscj.comm.Communicator;
import org.plscj.comm.DistEnv;
import org.plscj.data.PlscDataset;
import org.plscj.labels.LabelMap;

/**
 * dataset_dir and val_data_dir as URIs (hdfs://, s3a://, ...): the directory is copied once per machine into
 * {@code <local_save_dir>/remote-data/} (by the worker with LOCAL_RANK 0, the others wait at a barrier) and
 * training reads the local copy. A copy appears only when complete, and a later run reuses it. With data_order
 * per_rank and one data file per worker, a machine fetches only its workers' files; in global order every worker
 * reads every file, so each machine fetches them all (the loader reads local files only).
 */
final class RemoteData {
    private RemoteData() {}

    /** The local directory to read {@code location} from: itself when it is local, else its fetched copy. */
    static Path localCopy(String location, TrainConfig config, Communicator comm) {
        return localCopy(location, config, comm, false);
    }

    /**
     * As {@link #localCopy(String, TrainConfig, Communicator)}; with {@code ranksFiles} (per_rank training data) and a
     * file list naming exactly one file per worker, each machine fetches only the file list and its own workers'
     * files — rank r reads file r — into a copy named after those ranks. Otherwise the whole directory.
     */
    static Path localCopy(String location, TrainConfig config, Communicator comm, boolean ranksFiles) {
        URI remote = RemoteStorages.remoteUri(location);
        if (remote == null) {
            return location.startsWith("file:") ? Path.of(URI.create(location)) : Path.of(location);
        }
        CRC32 crc = new CRC32();
        crc.update(remote.toString().getBytes(StandardCharsets.UTF_8));
        // why the URI's checksum in the name: two remote sets with the same last segment must not share a copy
        Path whole = Path.of(config.localSaveDir()).resolve("remote-data")
                .resolve(RemoteStorages.name(remote) + "-" + HexFormat.of().toHexDigits((int) crc.getValue()));
        DistEnv env = DistEnv.fromEnvironment();
        RemoteStorage storage = RemoteStorages.forUri(remote, config.remoteOptions());
        Path target = whole;
        if (ranksFiles && comm.worldSize() > 1) {
            Path list = whole.resolveSibling(whole.getFileName() + "-list");
            if (env.localRank() == 0) {
                storage.fetchDirectory(remote, list, PlscDataset.FILE_LIST::equals);
            }
            comm.barrier();
            List<String> names = fileNames(list);
            if (names.size() == comm.worldSize()) {
                // launchers number ranks node by node: this machine's are [rank − local rank, + local world size)
                int first = comm.rank() - env.localRank();
                int last = first + env.localWorldSize() - 1;
                Set<String> mine = new HashSet<>(names.subList(first, last + 1));
                mine.add(PlscDataset.FILE_LIST);
                // why: rank 0 saves the classes' names with each checkpoint (absent from the remote set: nothing fetched)
                mine.add(LabelMap.FILE);
                target = whole.resolveSibling(whole.getFileName() + "-ranks-" + first + "-" + last + "-of-" + comm.worldSize());
                if (env.localRank() == 0) {
                    storage.fetchDirectory(remote, target, mine::contains);
                }
                comm.barrier();
                return target;
            }
        }
        if (env.localRank() == 0) {
            storage.fetchDirectory(remote, target);
        }
        comm.barrier();
        return target;
    }

    /** The non-blank names of a fetched file list. */
    private static List<String> fileNames(Path listCopy) {
        try {
            return Files.readAllLines(listCopy.resolve(PlscDataset.FILE_LIST), StandardCharsets.UTF_8).stream().map(String::strip)
                    .filter(n -> !n.isEmpty()).toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot read the fetched " + PlscDataset.FILE_LIST + " in " + listCopy, e);
        }
    }
}
