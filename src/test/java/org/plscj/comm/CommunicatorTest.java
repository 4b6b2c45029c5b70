package org.plscj.comm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.plscj.testing.Jvm;

/** Every collective of the communicator across three JVMs over loopback Gloo. */
class CommunicatorTest {
    @Test
    void everyCollectiveComputesWhatItPromisesAcrossThreeProcesses() throws Exception {
        int world = 3;
        int port = LocalLauncher.freePort();
        List<Jvm.Running> ws = new ArrayList<>();
        for (int r = 0; r < world; r++) {
            ws.add(Jvm.start("org.plscj.testing.CollectivesWorker", Jvm.workerEnv(r, world, port), List.of()));
        }
        for (int r = 0; r < world; r++) {
            Jvm.Running w = ws.get(r);
            assertEquals(0, w.waitFor(120), w.output());
            List<String> out = w.lines;
            assertTrue(out.contains("allgather 0 10 1 11 2 12"), w.output());
            assertTrue(out.contains("allreduce_sum 3 3"), w.output());
            assertTrue(out.contains("allreduce_max 2 0"), w.output());
            assertTrue(out.contains("allreduce_min 0 -2"), w.output());
            // row r of every rank is (100q + 2r, 100q + 2r + 1); summed over q = 0, 1, 2
            assertTrue(out.contains("reduce_scatter " + (300 + 6 * r) + " " + (303 + 6 * r)), w.output());
            assertTrue(out.contains("broadcast 7 8"), w.output());
            assertTrue(out.contains("allreduce_coalesced 3 3 6 3"), w.output());
            assertTrue(out.contains("barrier passed"), w.output());
        }
    }
}
