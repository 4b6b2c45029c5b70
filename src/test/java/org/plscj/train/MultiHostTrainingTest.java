package org.plscj.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.plscj.testing.TinyRun;
import org.plscj.comm.Communicator;
import org.plscj.data.DataConvert;
import org.plscj.tensor.Native;
import org.plscj.testing.Jvm;
import org.plscj.testing.Shell;
import org.plscj.testing.TinyBackbone;
import org.plscj.testing.TwoMachines;

/**
 * Two machines for real on one host: two network namespaces joined by a veth pair, each with its own IP
 * address, each running {@code plsc launch --nnodes 2 --node-rank K --master-addr <node 0's IP>} with
 * GLOO_SOCKET_IFNAME. Training over that link gives the losses of one worker with the whole global batch; a
 * link cut mid-run ends both sides within the collective timeout, naming the peer. Needs root (ip netns);
 * skipped otherwise.
 */
class MultiHostTrainingTest {
    private static TwoMachines machines;

    @TempDir
    static Path dir;
    /** Whether this host lets a process mount in a mount namespace of its own (the machines' private disks). */
    private static boolean privateMounts;

    private static void needPrivateMounts() {
        Assumptions.assumeTrue(privateMounts, "unshare -m with a bind mount is not allowed here: the private-disk tests need it");
    }


    @BeforeAll
    static void network() throws Exception {
        machines = TwoMachines.create("m");
        java.nio.file.Files.createDirectories(dir.resolve("probe-a"));
        java.nio.file.Files.createDirectories(dir.resolve("probe-b"));
        privateMounts = Shell.run("unshare", "-m", "--propagation", "private", "mount", "--bind", dir.resolve("probe-a").toString(),
                dir.resolve("probe-b").toString()) == 0;
        Native.load();
        DataConvert.fromGenerator(11, 8, 5, 0, dir.resolve("data"), 1);
    }

    /** Each test starts with the link up (the cut-link test takes it down). */
    @org.junit.jupiter.api.BeforeEach
    void linkUp() throws Exception {
        assertEquals(0, machines.linkUp());
    }

    @AfterAll
    static void teardown() throws Exception {
        if (machines != null) {
            machines.close();
        }
    }

    private static List<String> overrides(Path save, int batch, int steps) {
        return List.of("model_name=" + TinyBackbone.class.getName(), "emb_dim=16", "num_classes=11", "train_batch_size=" + batch,
                "lr=1.0", TinyRun.FP32, "train_steps=" + steps, "save_steps=1000000", "log_period=1", "val_targets=[]", "loss_type=dist_cosface",
                "scale=16", "data_order=global", "dataset_dir=" + dir.resolve("data"), "model_save_dir=" + save);
    }

    /** Node {@code k}'s launch, inside its namespace, talking over its veth. */
    private static Jvm.Running node(int k, List<String> train, int timeoutSeconds) {
        return node(k, List.of(), train, timeoutSeconds);
    }

    /**
     * As above, with {@code disk} (a path both nodes name) backed by a directory of this node's own when given:
     * a private bind mount in a mount namespace of the node's, so neither node sees the other's files.
     */
    private static Jvm.Running node(int k, List<String> train, int timeoutSeconds, Path disk) {
        return node(k, train, timeoutSeconds, disk, null);
    }

    /** As above; {@code readOnly}, when given, is mounted read-only for this node (a remote store it cannot write). */
    private static Jvm.Running node(int k, List<String> train, int timeoutSeconds, Path disk, Path readOnly) {
        Path own = disk.resolveSibling(disk.getFileName() + "-node" + k);
        String script = "mkdir -p " + own + " && mount --bind " + own + " " + disk
                + (readOnly == null ? "" : " && mount --bind " + readOnly + " " + readOnly + " && mount -o remount,bind,ro " + readOnly)
                + " && exec \"$0\" \"$@\"";
        return node(k, List.of("unshare", "-m", "--propagation", "private", "sh", "-c", script), train, timeoutSeconds);
    }

    private static Jvm.Running node(int k, List<String> wrapper, List<String> train, int timeoutSeconds) {
        List<String> args = new ArrayList<>(List.of("launch", "--nproc", "1", "--nnodes", "2", "--node-rank", Integer.toString(k),
                "--master-addr", machines.ip(0), "--master-port", "29500", "--", "train", "--timeout", Integer.toString(timeoutSeconds)));
        args.addAll(train);
        return machines.plsc(k, wrapper, args);
    }

    private static void bothSucceed(Jvm.Running n0, Jvm.Running n1) throws Exception {
        assertEquals(0, n0.waitFor(180), n0.output());
        assertEquals(0, n1.waitFor(60), n1.output());
    }

    private static List<String> files(Path dir) throws Exception {
        try (var s = java.nio.file.Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void machinesWithoutASharedDiskEachSaveTheirPartAndResumeFromIt() throws Exception {
        needPrivateMounts();
        Path disk = java.nio.file.Files.createDirectories(dir.resolve("disk"));
        Path straight = disk.resolve("straight");
        bothSucceed(node(0, overrides(straight, 4, 8), 60, disk), node(1, overrides(straight, 4, 8), 60, disk));

        Path resumed = disk.resolve("resumed");
        List<String> firstHalf = new ArrayList<>(overrides(resumed, 4, 4));
        bothSucceed(node(0, firstHalf, 60, disk), node(1, firstHalf, 60, disk));
        Path node0 = dir.resolve("disk-node0").resolve("resumed/checkpoints/step-00000004");
        Path node1 = dir.resolve("disk-node1").resolve("resumed/checkpoints/step-00000004");
        assertEquals(List.of("backbone.pt", "head-rank-0-of-2.pt", "meta.json", "optimizer.pt"), files(node0));
        assertEquals(List.of("head-rank-1-of-2.pt", "meta.json"), files(node1));
        assertEquals(java.nio.file.Files.readString(node0.resolve("meta.json")), java.nio.file.Files.readString(node1.resolve("meta.json")),
                "both machines publish the same manifest");

        List<String> secondHalf = new ArrayList<>(List.of("--resume"));
        secondHalf.addAll(overrides(resumed, 4, 8));
        bothSucceed(node(0, secondHalf, 60, disk), node(1, secondHalf, 60, disk));
        List<Double> expected = MetricsLog.read(dir.resolve("disk-node0").resolve("straight")).stream().map(MetricsEntry::loss).toList();
        List<Double> actual = MetricsLog.read(dir.resolve("disk-node0").resolve("resumed")).stream().map(MetricsEntry::loss).toList();
        assertEquals(8, actual.size());
        for (int s = 0; s < expected.size(); s++) {
            // why relative 1e-5: the same float32 math from the same saved state
            assertEquals(expected.get(s), actual.get(s), 1e-5 * Math.abs(expected.get(s)), "loss of step " + (s + 1));
        }

        // one machine alone lacks the other's shard: refused, naming it
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        List<String> alone = new ArrayList<>(overrides(dir.resolve("disk-node0").resolve("resumed"), 8, 12));
        org.plscj.checkpoint.CheckpointException e = org.junit.jupiter.api.Assertions.assertThrows(
                org.plscj.checkpoint.CheckpointException.class, () -> new Trainer(TrainConfigLoader.load(null, alone),
                        Communicator.single(), true, new PrintStream(log)).close());
        assertTrue(e.getMessage().contains("head-rank-1-of-2.pt is not on this machine"), e.getMessage());
    }

    @Test
    void twoMachinesTrainAsOneWorkerWithTheWholeBatchAndACutLinkEndsBothNamingThePeer() throws Exception {
        Path single = dir.resolve("single");
        try (Communicator comm = Communicator.single();
                Trainer t = new Trainer(TrainConfigLoader.load(null, overrides(single, 8, 5)), comm, false,
                        new PrintStream(new ByteArrayOutputStream()))) {
            t.run();
        }
        Path two = dir.resolve("two");
        Jvm.Running n0 = node(0, overrides(two, 4, 5), 60);
        Jvm.Running n1 = node(1, overrides(two, 4, 5), 60);
        assertEquals(0, n0.waitFor(180), n0.output());
        assertEquals(0, n1.waitFor(60), n1.output());
        List<Double> expected = MetricsLog.read(single).stream().map(MetricsEntry::loss).toList();
        List<Double> actual = MetricsLog.read(two).stream().map(MetricsEntry::loss).toList();
        assertEquals(5, actual.size());
        for (int s = 0; s < expected.size(); s++) {
            // why relative 1e-5: the same float32 math, the batch's sums split across the two machines in another order
            assertEquals(expected.get(s), actual.get(s), 1e-5 * Math.abs(expected.get(s)), "loss of step " + (s + 1));
        }

        Jvm.Running c0 = node(0, overrides(dir.resolve("cut"), 4, 1_000_000), 15);
        Jvm.Running c1 = node(1, overrides(dir.resolve("cut"), 4, 1_000_000), 15);
        c0.awaitLine("step 3/", 120);
        assertEquals(0, machines.linkDown(0));
        long cut = System.nanoTime();
        int code0 = c0.waitFor(60);
        int code1 = c1.waitFor(60);
        double seconds = (System.nanoTime() - cut) / 1e9;
        assertEquals(3, code0, c0.output());
        assertEquals(3, code1, c1.output());
        assertTrue(seconds < 15 + 20, "both sides ended " + seconds + " s after the cut (collective timeout 15 s)");
        assertTrue(c0.output().contains("peers: rank 1 on") && c0.output().contains("(" + machines.ip(1) + ")"), c0.output());
        assertTrue(c1.output().contains("peers: rank 0 on") && c1.output().contains("(" + machines.ip(0) + ")"), c1.output());
    }

    @Test
    void machinesWithoutASharedDiskUploadTheirPartsAndResumeFromTheRemoteStoreOnTwoMachinesOrOne() throws Exception {
        needPrivateMounts();
        Path disk = java.nio.file.Files.createDirectories(dir.resolve("disk2"));
        String remote = "dir://" + dir.resolve("remote").toAbsolutePath() + "/run";
        List<String> stage = List.of("local_save_dir=" + disk.resolve("staging"), "save_steps=4");
        List<String> first = new ArrayList<>(overrides(Path.of("unused"), 4, 4));
        first.addAll(stage);
        first.add("model_save_dir=" + remote);
        bothSucceed(node(0, first, 60, disk), node(1, first, 60, disk));
        assertEquals(List.of("backbone.pt", "head-rank-0-of-2.pt", "head-rank-1-of-2.pt", "meta.json", "optimizer.pt"),
                files(dir.resolve("remote/run/checkpoints/step-00000004")), "every machine's part reached the remote checkpoint");

        // new machines: empty local disks, everything comes from the remote store
        for (int k = 0; k < 2; k++) {
            org.plscj.io.FileTrees.deleteRecursively(dir.resolve("disk2-node" + k));
        }
        List<String> second = new ArrayList<>(List.of("--resume"));
        second.addAll(overrides(Path.of("unused"), 4, 8));
        second.addAll(stage);
        second.add("model_save_dir=" + remote);
        bothSucceed(node(0, second, 60, disk), node(1, second, 60, disk));
        assertEquals(List.of("head-rank-1-of-2.pt", "meta.json"), files(dir.resolve("disk2-node1/staging/checkpoints/step-00000004")),
                "machine 1 fetched only its own shard");

        Path single = dir.resolve("single-ref");
        try (Communicator comm = Communicator.single();
                Trainer t = new Trainer(TrainConfigLoader.load(null, overrides(single, 8, 8)), comm, false,
                        new PrintStream(new ByteArrayOutputStream()))) {
            t.run();
        }
        List<Double> expected = MetricsLog.read(single).stream().map(MetricsEntry::loss).toList();
        List<Double> actual = MetricsLog.read(dir.resolve("disk2-node0/staging")).stream().map(MetricsEntry::loss).toList();
        assertEquals(List.of(5L, 6L, 7L, 8L), MetricsLog.read(dir.resolve("disk2-node0/staging")).stream().map(MetricsEntry::step).toList());
        for (int s = 0; s < actual.size(); s++) {
            // why relative 1e-5: the same float32 math, the batch's sums split across the machines in another order
            assertEquals(expected.get(s + 4), actual.get(s), 1e-5 * Math.abs(expected.get(s + 4)), "loss of step " + (s + 5));
        }

        // one machine, one worker: it fetches the backbone and both shards and continues from the remote store
        List<String> alone = new ArrayList<>(overrides(Path.of("unused"), 8, 12));
        alone.addAll(List.of("local_save_dir=" + dir.resolve("alone"), "save_steps=4", "model_save_dir=" + remote));
        try (Communicator comm = Communicator.single();
                Trainer t = new Trainer(TrainConfigLoader.load(null, alone), comm, true, new PrintStream(new ByteArrayOutputStream()))) {
            assertEquals(12, t.run().steps());
        }
        assertEquals(List.of(9L, 10L, 11L, 12L), MetricsLog.read(dir.resolve("alone")).stream().map(MetricsEntry::step).toList());
    }

    @Test
    void anUploadFailingOnOneMachineFailsTheSaveOnEveryRankNamingItAndPublishesNothing() throws Exception {
        needPrivateMounts();
        Path disk = java.nio.file.Files.createDirectories(dir.resolve("disk3"));
        Path store = java.nio.file.Files.createDirectories(dir.resolve("remote3"));
        List<String> train = new ArrayList<>(overrides(Path.of("unused"), 4, 4));
        train.addAll(List.of("local_save_dir=" + disk.resolve("staging"), "save_steps=4", "model_save_dir=dir://" + store + "/run"));
        Jvm.Running n0 = node(0, train, 60, disk);
        Jvm.Running n1 = node(1, train, 60, disk, store);
        assertEquals(5, n0.waitFor(180), n0.output());
        assertEquals(5, n1.waitFor(60), n1.output());
        for (Jvm.Running n : List.of(n0, n1)) {
            assertTrue(n.output().contains("rank 1 on") && n.output().contains("failed to upload step-00000004")
                    && n.output().contains("nothing was published"), n.output());
        }
        assertTrue(!java.nio.file.Files.exists(store.resolve("run/checkpoints/step-00000004")), "no remote checkpoint without every part");
    }

    @Test
    void eachMachineFetchesOnlyItsWorkersDataFilesFromARemoteDatasetDir() throws Exception {
        needPrivateMounts();
        Path source = dir.resolve("remote-data-src");
        DataConvert.fromGenerator(11, 8, 5, 0, source, 2);
        Path disk = java.nio.file.Files.createDirectories(dir.resolve("disk4"));
        List<String> train = new ArrayList<>(overrides(disk.resolve("run"), 4, 4));
        train.addAll(List.of("data_order=per_rank", "dataset_dir=dir://" + source.toAbsolutePath(), "local_save_dir=" + disk.resolve("staging")));
        bothSucceed(node(0, train, 60, disk), node(1, train, 60, disk));
        for (int k = 0; k < 2; k++) {
            Path copies = dir.resolve("disk4-node" + k).resolve("staging/remote-data");
            List<String> dirs = files(copies).stream().filter(n -> n.contains("-ranks-")).toList();
            assertEquals(1, dirs.size(), "one copy of this machine's part: " + files(copies));
            assertTrue(dirs.get(0).endsWith("-ranks-" + k + "-" + k + "-of-2"), dirs.get(0));
            List<String> data = files(copies.resolve(dirs.get(0))).stream().filter(n -> !n.endsWith(".idx")).toList();
            assertEquals(List.of("file_list.txt", String.format("part-%05d", k)), data, "machine " + k + " fetched only its worker's file");
        }

        // the same training from the data on one host: the same losses
        List<String> local = new ArrayList<>(List.of("launch", "--nproc", "2", "--master-port", "0", "--", "train", "--timeout", "60"));
        local.addAll(overrides(dir.resolve("local-per-rank"), 4, 4));
        local.addAll(List.of("data_order=per_rank", "dataset_dir=" + source));
        Jvm.Running one = Jvm.plsc(local);
        assertEquals(0, one.waitFor(180), one.output());
        List<Double> expected = MetricsLog.read(dir.resolve("local-per-rank")).stream().map(MetricsEntry::loss).toList();
        List<Double> actual = MetricsLog.read(dir.resolve("disk4-node0").resolve("run")).stream().map(MetricsEntry::loss).toList();
        assertEquals(expected.size(), actual.size());
        for (int s = 0; s < expected.size(); s++) {
            // why relative 1e-5: the same float32 math on the same records
            assertEquals(expected.get(s), actual.get(s), 1e-5 * Math.abs(expected.get(s)), "loss of step " + (s + 1));
        }
    }
}
