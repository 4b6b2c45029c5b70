package org.plscj.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.plscj.remote.RemoteStorage;
import org.plscj.remote.RemoteStorages;
import org.plscj.testing.TinyRun;
import org.plscj.train.TrainConfig;
import org.plscj.train.Trainer;

/** The remote storage SPI in the core: the missing-provider error, and the Trainer's uploads and remote resume (fake://). */
class RemoteStorageTest {
    @TempDir
    Path tmp;

    @Test
    void aSchemeWithoutProviderNamesTheModule() {
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> RemoteStorages.forUri(URI.create("hdfs://nn:8020/runs/a")));
        assertTrue(e.getMessage().contains("model_save_dir hdfs://nn:8020/runs/a needs the plsc-hdfs module on the classpath"),
                e.getMessage());
    }

    @Test
    void localPathsAndFileUrisAreNotRemote() {
        assertEquals(null, RemoteStorages.remoteUri("./saved_model"));
        assertEquals(null, RemoteStorages.remoteUri("/abs/dir"));
        assertEquals(null, RemoteStorages.remoteUri("file:///abs/dir"));
        assertEquals(URI.create("s3a://bucket/run"), RemoteStorages.remoteUri("s3a://bucket/run"));
    }

    @Test
    void trainerUploadsEverySaveAndResumeDownloadsIntoAnEmptyStaging() throws Exception {
        Path data = tmp.resolve("data");
        TinyRun.writeData(data);
        Path remoteDir = tmp.resolve("remote");
        String remote = "fake://" + remoteDir.toAbsolutePath();
        Path staging = tmp.resolve("staging");
        int before = FakeRemoteStorage.UPLOADS.get();
        TrainConfig config = TinyRun.config(data, Path.of("unused"), "model_save_dir=" + remote, "local_save_dir=" + staging,
                "save_steps=2", "max_last_checkpoint_num=2", "fs_name=hdfs://nn:8020", "fs_ugi=alice");
        Trainer.Summary first = TinyRun.train(config, false);
        assertEquals(Map.of("fs_name", "hdfs://nn:8020", "fs_ugi", "alice"), FakeRemoteStorage.lastOptions);
        assertEquals(3, FakeRemoteStorage.UPLOADS.get() - before, "steps 2, 4 and 6 uploaded");
        assertTrue(first.lastCheckpoint().startsWith(staging), first.lastCheckpoint().toString());
        Path remoteCheckpoints = remoteDir.resolve("checkpoints");
        for (String step : new String[] {"step-00000004", "step-00000006"}) {
            Checkpoint.open(remoteCheckpoints.resolve(step));
        }
        assertFalse(Files.exists(remoteCheckpoints.resolve("step-00000002")), "pruned remotely too (max_last_checkpoint_num=2)");
        try (Stream<Path> s = Files.list(remoteCheckpoints)) {
            assertFalse(s.anyMatch(p -> p.getFileName().toString().endsWith(".partial")), "no partial left remotely");
        }
        assertTrue(Files.isRegularFile(staging.resolve("config.yaml")), "logs and config stay in local_save_dir");

        // a new machine: empty staging; --resume fetches step 6 from the remote and continues to 8
        Path staging2 = tmp.resolve("staging2");
        int downloads = FakeRemoteStorage.DOWNLOADS.get();
        TrainConfig more = TinyRun.config(data, Path.of("unused"), "model_save_dir=" + remote, "local_save_dir=" + staging2,
                "save_steps=2", "train_steps=8");
        Trainer.Summary second = TinyRun.train(more, true);
        assertEquals(1, FakeRemoteStorage.DOWNLOADS.get() - downloads);
        assertEquals(8, Checkpoint.open(second.lastCheckpoint()).meta().step());
        assertTrue(Files.isDirectory(staging2.resolve("checkpoints/step-00000006")), "the downloaded checkpoint");
        Optional<URI> newest = RemoteStorages.forUri(URI.create(remote)).newest(URI.create(remote + "/checkpoints"));
        assertEquals("step-00000008", RemoteStorages.name(newest.orElseThrow()));
    }

    @Test
    void remoteDatasetAndValidationDirectoriesAreFetchedOnceAndTrainedOn() throws Exception {
        Path remoteData = tmp.resolve("remote-set");
        TinyRun.writeData(remoteData);
        String uri = "fake://" + remoteData.toAbsolutePath();
        Path staging = tmp.resolve("staging-data");
        Path save = tmp.resolve("save-data");
        TrainConfig config = TinyRun.config(remoteData, save, "dataset_dir=" + uri, "val_data_dir=" + uri,
                "val_targets=[" + TinyRun.TARGET + "]", "local_save_dir=" + staging, "train_steps=2");
        Trainer.Summary summary = TinyRun.train(config, false);
        assertEquals(2, summary.steps());
        assertTrue(summary.validation().containsKey(TinyRun.TARGET), "tested on the fetched .bin");
        try (Stream<Path> copies = Files.list(staging.resolve("remote-data"))) {
            List<Path> all = copies.toList();
            assertEquals(1, all.size(), "dataset and val sets share one copy: " + all);
            assertTrue(all.get(0).getFileName().toString().startsWith("remote-set-"), all.toString());
            assertTrue(Files.isRegularFile(all.get(0).resolve("file_list.txt")));
        }
        CheckpointException missing = assertThrows(CheckpointException.class, () -> TinyRun.train(TinyRun.config(remoteData, save,
                "dataset_dir=fake://" + tmp.resolve("nothing-here").toAbsolutePath(), "local_save_dir=" + staging), false));
        assertTrue(missing.getMessage().contains("nothing-here"), missing.getMessage());
    }

    @Test
    void aDamagedRemoteFileIsRefusedNamingItAndNothingIsOverwritten() throws Exception {
        Path data = tmp.resolve("data");
        TinyRun.writeData(data);
        String remote = "fake://" + tmp.resolve("remote").toAbsolutePath();
        Path staging = tmp.resolve("staging");
        TinyRun.train(TinyRun.config(data, Path.of("unused"), "model_save_dir=" + remote, "local_save_dir=" + staging), false);
        Path remoteBackbone = tmp.resolve("remote/checkpoints/step-00000006/backbone.pt");
        byte[] bytes = Files.readAllBytes(remoteBackbone);
        bytes[bytes.length / 2] ^= 1;
        Files.write(remoteBackbone, bytes);
        Path fresh = tmp.resolve("fresh");
        RemoteStorage storage = RemoteStorages.forUri(URI.create(remote));
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> storage.download(URI.create(remote + "/checkpoints/step-00000006"), fresh));
        assertTrue(e.getMessage().contains("step-00000006/backbone.pt is damaged"), e.getMessage());
        assertFalse(Files.exists(fresh.resolve("step-00000006")), "nothing published locally");
        assertFalse(Files.exists(fresh.resolve(".step-00000006.partial")), "the partial download is removed");
    }
}
