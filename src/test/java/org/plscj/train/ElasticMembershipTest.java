package org.plscj.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.plscj.testing.TinyRun;
import org.plscj.comm.Communicator;
import org.plscj.data.DataConvert;
import org.plscj.tensor.Native;
import org.plscj.testing.Jvm;
import org.plscj.testing.PauseInSave;
import org.plscj.testing.TinyBackbone;
import org.plscj.testing.TwoMachines;

/**
 * {@code plsc launch --nnodes 1:2} on two machines (network namespaces joined by a veth pair; skipped with a message
 * when they cannot be made): node 1's launcher and workers are killed inside the save of step 6. Left out after the
 * rendezvous timeout, node 0 continues alone from the newest checkpoint with the same global batch (elastic_batch
 * keep_global, data_order global), so every step's loss equals one worker's with the whole batch; started again before
 * the timeout, node 1 re-joins and the run goes on with two nodes.
 */
class ElasticMembershipTest {
    private static final int STEPS = 8;
    private static final int PORT = 29600;

    @TempDir
    static Path dir;
    private static TwoMachines machines;
    /** One worker, batch 8: what every run here must give at every step. */
    private static List<Double> expected;

    @BeforeAll
    static void setUp() throws Exception {
        machines = TwoMachines.create("e");
        Native.load();
        DataConvert.fromGenerator(11, 8, 5, 0, dir.resolve("data"), 1);
        Path single = dir.resolve("single");
        try (Communicator comm = Communicator.single();
                Trainer t = new Trainer(TrainConfigLoader.load(null, overrides(single, 8)), comm, false,
                        new PrintStream(new ByteArrayOutputStream()))) {
            t.run();
        }
        expected = MetricsLog.read(single).stream().map(MetricsEntry::loss).toList();
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (machines != null) {
            machines.close();
        }
    }

    private static List<String> overrides(Path save, int batch) {
        return List.of("model_name=" + TinyBackbone.class.getName(), "emb_dim=16", "num_classes=11", "train_batch_size=" + batch,
                "lr=1.0", TinyRun.FP32, "train_steps=" + STEPS, "save_steps=2", "log_period=1", "val_targets=[]", "loss_type=dist_cosface",
                "scale=16", "data_order=global", "dataset_dir=" + dir.resolve("data"), "model_save_dir=" + save);
    }

    /** Node k's elastic launch; node 0's workers pause 3 s inside the save of step 6 (the moment node 1 is killed). */
    private static Jvm.Running node(int k, Path save, int rendezvousTimeout) {
        return node(k, save, rendezvousTimeout, 3000);
    }

    private static Jvm.Running node(int k, Path save, int rendezvousTimeout, int pauseMillis) {
        List<String> args = new ArrayList<>(List.of("launch", "--nproc", "1", "--nnodes", "1:2", "--master-addr", machines.ip(0),
                "--master-port", Integer.toString(PORT), "--rendezvous-timeout", Integer.toString(rendezvousTimeout),
                "--max-restarts", "2", "--restart-delay", "0", "--", "train", "--timeout", "30"));
        args.addAll(overrides(save, 4));
        Map<String, String> env = k == 0 ? Map.of(PauseInSave.VARIABLE, pauseMillis + "@6") : Map.of();
        return machines.plsc(k, List.of(), env, args);
    }

    /** Starts both nodes, and SIGKILLs node 1's launcher and workers while node 0 is in the save of step 6; returns node 0. */
    private static Jvm.Running startBothAndKillNodeOneInASave(Path save, int rendezvousTimeout) throws InterruptedException {
        Jvm.Running n0 = node(0, save, rendezvousTimeout);
        Jvm.Running n1 = node(1, save, rendezvousTimeout);
        n0.awaitLine("round 0: 2 node(s)", 120);
        n0.awaitLine("pausing 3000 ms in the save of step 6", 120);
        n1.process.descendants().forEach(ProcessHandle::destroyForcibly);
        n1.process.destroyForcibly();
        n1.process.waitFor();
        return n0;
    }

    /** Every step's loss equals one worker's with the whole batch; the steps after {@code resumedAt} ran on {@code workers}. */
    private static void sameLossesAsOneWorker(Path save, int workers, int perWorkerBatch) throws Exception {
        List<MetricsEntry> actual = MetricsLog.read(save);
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L), actual.stream().map(MetricsEntry::step).toList());
        for (int s = 0; s < STEPS; s++) {
            // why relative 1e-5: the same float32 math; two workers sum the batch in another order than one
            assertEquals(expected.get(s), actual.get(s).loss(), 1e-5 * Math.abs(expected.get(s)), "loss of step " + (s + 1));
        }
        MetricsEntry last = actual.get(STEPS - 1);
        assertEquals(workers, last.extra().get("workers"), "the last step ran on " + workers + " worker(s)");
        assertEquals(perWorkerBatch, last.extra().get("per_worker_batch"));
    }

    @Test
    void aKilledNodeIsLeftOutAfterTheTimeoutAndNodeZeroFinishesAloneWithTheSameGlobalBatch() throws Exception {
        Path save = dir.resolve("shrunk");
        Jvm.Running n0 = startBothAndKillNodeOneInASave(save, 8);

        assertEquals(0, n0.waitFor(180), n0.output());
        String out = n0.output();
        assertTrue(out.contains("restart 1 of 2") && out.contains("re-joining the rendezvous"), out);
        assertTrue(out.contains("round 1: left out") && out.contains("(" + machines.ip(1) + ")"), out);
        assertTrue(out.contains("round 1: 1 node(s), 1 worker(s)"), out);
        assertTrue(out.contains("elastic_batch keep_global") && out.contains("per-worker batch 8"), out);
        assertTrue(out.contains("plsc train: resumed from "), out);
        sameLossesAsOneWorker(save, 1, 8);
        assertEquals(1.0, MetricsLog.read(save).get(STEPS - 1).extra().get("elastic_batch_keep_global"));
    }

    @Test
    void aKilledNodeStartedAgainBeforeTheTimeoutRejoinsAndTheRunGoesOnWithTwoNodes() throws Exception {
        Path save = dir.resolve("rejoined");
        Jvm.Running n0 = startBothAndKillNodeOneInASave(save, 60);
        Jvm.Running again = node(1, save, 60);

        assertEquals(0, n0.waitFor(180), n0.output());
        assertEquals(0, again.waitFor(60), again.output());
        assertTrue(n0.output().contains("round 1: 2 node(s), 2 worker(s)"), n0.output());
        assertTrue(again.output().contains("this node is node 1"), again.output());
        sameLossesAsOneWorker(save, 2, 4);
    }

    @Test
    void losingTheMasterNodeEndsTheJobSayingSo() throws Exception {
        Path save = dir.resolve("masterless");
        Jvm.Running n0 = node(0, save, 8);
        Jvm.Running n1 = node(1, save, 8);
        n0.awaitLine("pausing 3000 ms in the save of step 6", 120);
        n0.process.descendants().forEach(ProcessHandle::destroyForcibly);
        n0.process.destroyForcibly();

        assertEquals(3, n1.waitFor(120), n1.output());
        assertTrue(n1.output().contains("the master node's launcher at " + machines.ip(0) + ":" + PORT + " is gone")
                && n1.output().contains("cannot go on without it"), n1.output());
    }

    @Test
    void aNodeStartedWhileTheJobRunsWithFewerThanMaxNodesIsAdmittedAtOnce() throws Exception {
        Path save = dir.resolve("grown");
        Jvm.Running n0 = node(0, save, 3, 8000);
        n0.awaitLine("round 0: 1 node(s)", 120);
        n0.awaitLine("pausing 8000 ms in the save of step 6", 120);
        Jvm.Running n1 = node(1, save, 3, 8000);

        assertEquals(0, n0.waitFor(180), n0.output());
        assertEquals(0, n1.waitFor(60), n1.output());
        String out = n0.output();
        assertTrue(out.contains("a new node waits to join") && out.contains("not counted as a failure"), out);
        assertTrue(out.contains("round 1: 2 node(s), 2 worker(s)") && !out.contains("restart 1 of"), out);
        List<MetricsEntry> log = MetricsLog.read(save);
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L), log.stream().map(MetricsEntry::step).toList());
        // keep_global: the global batch of round 0 (one worker × 4) is split between the two
        assertEquals(2.0, log.get(STEPS - 1).extra().get("workers"));
        assertEquals(2.0, log.get(STEPS - 1).extra().get("per_worker_batch"));
    }
}
