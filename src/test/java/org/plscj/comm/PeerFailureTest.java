package org.plscj.comm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.plscj.testing.Jvm;

/** Separate worker JVMs over loopback Gloo: a lost or stuck peer must fail the survivors, never hang them. */
class PeerFailureTest {
    private static List<Jvm.Running> startWorkers(int world, String... args) {
        int port = LocalLauncher.freePort();
        List<Jvm.Running> ws = new ArrayList<>();
        for (int r = 0; r < world; r++) {
            ws.add(Jvm.start("org.plscj.testing.StepLoopWorker", Jvm.workerEnv(r, world, port), List.of(args)));
        }
        return ws;
    }

    @Test
    void survivorsExitWithPeerLostErrorWhenOneWorkerIsKilledMidTraining() throws Exception {
        List<Jvm.Running> ws = startWorkers(3, "3001", "1000000", "120");
        ws.get(0).awaitLine("step 3", 120);
        ws.get(1).process.destroyForcibly();
        long killedAt = System.nanoTime();
        for (int r : new int[] {0, 2}) {
            int code = ws.get(r).waitFor(60);
            String out = ws.get(r).output();
            assertEquals(3, code, "rank " + r + " exit code; output:\n" + out);
            assertTrue(out.contains("failed on rank " + r) && out.contains("a peer was lost"), out);
        }
        double seconds = (System.nanoTime() - killedAt) / 1e9;
        // far below the 120 s collective timeout: the closed connection is noticed at once
        assertTrue(seconds < 30, "survivors took " + seconds + " s");
    }

    @Test
    void survivorsTimeOutWhenAPeerStopsAnswering() throws Exception {
        List<Jvm.Running> ws = startWorkers(2, "3001", "1000000", "5");
        ws.get(0).awaitLine("step 3", 120);
        ProcessHandle stuck = ws.get(1).process.toHandle();
        new ProcessBuilder("kill", "-STOP", Long.toString(stuck.pid())).start().waitFor();
        try {
            int code = ws.get(0).waitFor(60);
            String out = ws.get(0).output();
            assertEquals(3, code, out);
            assertTrue(out.contains("failed on rank 0") && out.contains("within the collective timeout of 5000 ms"), out);
        } finally {
            stuck.destroyForcibly();
        }
    }
}
