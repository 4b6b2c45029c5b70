package org.plscj.hdfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.plscj.checkpoint.Checkpoint;
import org.plscj.checkpoint.CheckpointException;
import org.plscj.checkpoint.CheckpointMeta;
import org.plscj.remote.RemoteStorage;
import org.plscj.remote.RemoteStorages;
import org.plscj.comm.Communicator;
import org.plscj.data.DataConvert;
import org.plscj.train.TrainConfig;
import org.plscj.train.TrainConfigLoader;
import org.plscj.train.Trainer;

/** HadoopRemoteStorage against an in-process HDFS (MiniDFSCluster, 2 datanodes), with real checkpoints of TinyFaceNet. */
class HadoopRemoteStorageTest {
    @TempDir
    static Path tmp;

    static MiniDFSCluster cluster;
    static String hdfs;
    static Path data;
    /** A complete local checkpoint (step 2 of TinyFaceNet). */
    static Path localCheckpoint;

    @BeforeAll
    static void startHdfs() throws Exception {
        Configuration conf = new Configuration();
        conf.setInt("dfs.replication", 2);
        conf.setLong("dfs.blocksize", 1 << 20);
        cluster = new MiniDFSCluster.Builder(conf, tmp.resolve("dfs").toFile()).numDataNodes(2).build();
        cluster.waitActive();
        hdfs = "hdfs://localhost:" + cluster.getNameNodePort();
        data = tmp.resolve("data");
        DataConvert.fromGenerator(6, 8, 3, 0, data, 1);
        Trainer.Summary s = train(config(tmp.resolve("local").toString(), "train_steps=2"), false);
        localCheckpoint = s.lastCheckpoint();
    }

    @AfterAll
    static void stopHdfs() {
        if (cluster != null) {
            cluster.shutdown();
        }
    }

    static TrainConfig config(String modelSaveDir, String... extra) {
        List<String> o = new java.util.ArrayList<>(List.of("model_name=TinyFaceNet", "emb_dim=16", "num_classes=6",
                "train_batch_size=8", "lr=0.1", "lr_steps=[100]", "train_steps=4", "log_period=1", "val_targets=[]",
                "dataset_dir=" + data, "model_save_dir=" + modelSaveDir));
        o.addAll(List.of(extra));
        return TrainConfigLoader.load(null, o);
    }

    static Trainer.Summary train(TrainConfig config, boolean resume) throws Exception {
        try (Communicator comm = Communicator.single();
                Trainer trainer = new Trainer(config, comm, resume, new PrintStream(new ByteArrayOutputStream()))) {
            return trainer.run();
        }
    }

    static RemoteStorage storage(String... keyValues) {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("remote_backoff_ms", "200");
        o.put("dfs.blocksize", String.valueOf(1 << 20));
        for (int i = 0; i < keyValues.length; i += 2) {
            o.put(keyValues[i], keyValues[i + 1]);
        }
        return RemoteStorages.forUri(URI.create(hdfs + "/x"), o);
    }

    @Test
    void trainerUploadsEverySaveThroughFsName() throws Exception {
        // hdfs:/// with fs_name: PLSC's way of naming the cluster
        String remote = "hdfs:///runs/a";
        Path staging = tmp.resolve("staging-a");
        train(config(remote, "local_save_dir=" + staging, "save_steps=2", "fs_name=" + hdfs), false);
        FileSystem fs = cluster.getFileSystem();
        for (String step : List.of("step-00000002", "step-00000004")) {
            assertTrue(fs.exists(new org.apache.hadoop.fs.Path("/runs/a/checkpoints/" + step + "/" + CheckpointMeta.FILE)), step);
        }
        assertFalse(fs.exists(new org.apache.hadoop.fs.Path("/runs/a/checkpoints/.step-00000004.partial")));

        // and back: the newest remote checkpoint downloads and verifies (resume through the Trainer: core's RemoteStorageTest)
        RemoteStorage s = RemoteStorages.forUri(URI.create(remote), Map.of("fs_name", hdfs));
        URI newest = s.newest(URI.create(remote + "/checkpoints")).orElseThrow();
        assertEquals("step-00000004", RemoteStorages.name(newest));
        s.download(newest, tmp.resolve("back-a"));
        assertEquals(4, Checkpoint.open(tmp.resolve("back-a/step-00000004")).meta().step());
    }

    @Test
    void resumeDownloadsTheNewestRemoteCheckpointIntoAnEmptyStaging() throws Exception {
        String remote = hdfs + "/runs/f";
        train(config(remote, "local_save_dir=" + tmp.resolve("staging-f1"), "save_steps=2"), false);
        Path staging = tmp.resolve("staging-f2");
        Trainer.Summary s = train(config(remote, "local_save_dir=" + staging, "save_steps=2", "train_steps=6"), true);
        assertTrue(Files.isDirectory(staging.resolve("checkpoints/step-00000004")), "downloaded before resuming");
        assertEquals(6, Checkpoint.open(s.lastCheckpoint()).meta().step());
        assertTrue(cluster.getFileSystem().exists(new org.apache.hadoop.fs.Path("/runs/f/checkpoints/step-00000006/" + CheckpointMeta.FILE)));
    }

    @Test
    void trainsOnADatasetDirOnHdfs() throws Exception {
        FileSystem fs = cluster.getFileSystem();
        fs.copyFromLocalFile(new org.apache.hadoop.fs.Path(data.toUri()), new org.apache.hadoop.fs.Path("/datasets/tiny"));
        Path staging = tmp.resolve("staging-d");
        Trainer.Summary s = train(config(tmp.resolve("save-d").toString(), "dataset_dir=" + hdfs + "/datasets/tiny",
                "local_save_dir=" + staging, "train_steps=2"), false);
        assertEquals(2, s.steps());
        try (java.util.stream.Stream<Path> copies = Files.list(staging.resolve("remote-data"))) {
            Path copy = copies.findFirst().orElseThrow();
            try (java.util.stream.Stream<Path> files = Files.list(data)) {
                for (Path f : files.toList()) {
                    assertEquals(Files.size(f), Files.size(copy.resolve(f.getFileName().toString())), f.getFileName().toString());
                }
            }
        }
    }

    @Test
    void uploadThenDownloadVerifies() {
        RemoteStorage s = storage();
        URI parent = URI.create(hdfs + "/runs/b/checkpoints");
        s.upload(localCheckpoint, parent);
        URI newest = s.newest(parent).orElseThrow();
        assertEquals(localCheckpoint.getFileName().toString(), RemoteStorages.name(newest));
        Path back = tmp.resolve("back-b");
        s.download(newest, back);
        Checkpoint c = Checkpoint.open(back.resolve(localCheckpoint.getFileName()));
        assertEquals(2, c.meta().step());
    }

    @Test
    void aCorruptedRemoteFileIsRefusedNamingIt() throws Exception {
        RemoteStorage s = storage();
        URI parent = URI.create(hdfs + "/runs/c/checkpoints");
        s.upload(localCheckpoint, parent);
        FileSystem fs = cluster.getFileSystem();
        org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path("/runs/c/checkpoints/" + localCheckpoint.getFileName() + "/backbone.pt");
        byte[] bytes;
        try (InputStream in = fs.open(file)) {
            bytes = in.readAllBytes();
        }
        bytes[bytes.length / 2] ^= 1;
        try (OutputStream out = fs.create(file, true)) {
            out.write(bytes);
        }
        Path back = tmp.resolve("back-c");
        CheckpointException e = assertThrows(CheckpointException.class, () -> s.download(s.newest(parent).orElseThrow(), back));
        assertTrue(e.getMessage().contains("/runs/c/checkpoints/" + localCheckpoint.getFileName() + "/backbone.pt is damaged"), e.getMessage());
        assertFalse(Files.exists(back.resolve(localCheckpoint.getFileName())), "nothing published");
    }

    @Test
    void aDatanodeRestartDuringUploadStillEndsComplete() throws Exception {
        Path big = tmp.resolve("big").resolve(localCheckpoint.getFileName());
        Files.createDirectories(big);
        try (Stream<Path> files = Files.list(localCheckpoint)) {
            for (Path f : files.toList()) {
                Files.copy(f, big.resolve(f.getFileName()));
            }
        }
        byte[] blob = new byte[48 << 20];
        new Random(5).nextBytes(blob);
        Files.write(big.resolve("extra.bin"), blob);
        ObjectMapper json = new ObjectMapper();
        CheckpointMeta meta = json.readValue(big.resolve(CheckpointMeta.FILE).toFile(), CheckpointMeta.class);
        Map<String, String> sums = new LinkedHashMap<>();
        sums.put("extra.bin", HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(blob)));
        sums.putAll(meta.sha256());
        Files.write(big.resolve(CheckpointMeta.FILE), json.writeValueAsBytes(meta.withSha256(sums)));

        URI parent = URI.create(hdfs + "/runs/d/checkpoints");
        org.apache.hadoop.fs.Path writing = new org.apache.hadoop.fs.Path("/runs/d/checkpoints/." + big.getFileName() + ".partial/extra.bin");
        AtomicReference<Throwable> restartError = new AtomicReference<>();
        java.util.concurrent.atomic.AtomicBoolean uploadDone = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicBoolean restartedMidUpload = new java.util.concurrent.atomic.AtomicBoolean();
        Thread restarter = new Thread(() -> {
            try {
                FileSystem fs = cluster.getFileSystem();
                long deadline = System.nanoTime() + 60_000_000_000L;
                while (!fs.exists(writing) && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                Thread.sleep(100);
                boolean during = fs.exists(writing) && !uploadDone.get();
                cluster.restartDataNode(0, true);
                restartedMidUpload.set(during);
                cluster.waitActive();
            } catch (Throwable t) {
                restartError.set(t);
            }
        });
        restarter.start();
        RemoteStorage s = storage();
        s.upload(big, parent);
        uploadDone.set(true);
        restarter.join();
        assertEquals(null, restartError.get());
        assertTrue(restartedMidUpload.get(), "the datanode restarted while extra.bin was being written");
        Path back = tmp.resolve("back-d");
        s.download(s.newest(parent).orElseThrow(), back);
        Checkpoint c = Checkpoint.open(back.resolve(big.getFileName()));
        assertEquals(sums, c.meta().sha256());
    }

    @Test
    void anUnreachableNamenodeFailsClearlyAfterRetries() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        URI parent = URI.create("hdfs://localhost:" + port + "/runs/e/checkpoints");
        RemoteStorage s = RemoteStorages.forUri(parent, Map.of("remote_backoff_ms", "100", "ipc.client.connect.max.retries", "0",
                "ipc.client.connect.max.retries.on.timeouts", "0", "ipc.client.connect.timeout", "2000"));
        CheckpointException e = assertTimeoutPreemptively(Duration.ofSeconds(90),
                () -> assertThrows(CheckpointException.class, () -> s.upload(localCheckpoint, parent)));
        assertTrue(e.getMessage().contains("hdfs://localhost:" + port + "/runs/e/checkpoints"), e.getMessage());
        assertTrue(e.getMessage().contains("after 3 tries"), e.getMessage());
    }
}
