package org.plscj.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.plscj.testing.Jvm;

/** {@code plsc launch --exec}: any program as the workers, with the torchrun variables, supervised like plsc workers. */
class LaunchExecTest {
    @Test
    void eachWorkerRunsTheProgramWithItsRankAndTheWorldSize() throws Exception {
        Jvm.Running launch = Jvm.plsc(List.of("launch", "--nproc", "2", "--master-port", "0", "--exec", "--",
                "bash", "-c", "echo \"worker $RANK of $WORLD_SIZE, local $LOCAL_RANK, master $MASTER_ADDR\""));
        assertEquals(0, launch.waitFor(60), launch.output());
        String out = launch.output();
        assertTrue(out.contains("[rank 0] worker 0 of 2, local 0, master 127.0.0.1"), out);
        assertTrue(out.contains("[rank 1] worker 1 of 2, local 1, master 127.0.0.1"), out);
    }

    @Test
    void aFailingProgramFailsTheLaunchNamingItsRank() throws Exception {
        Jvm.Running launch = Jvm.plsc(List.of("launch", "--nproc", "2", "--master-port", "0", "--exec", "--",
                "bash", "-c", "if [ \"$RANK\" = 1 ]; then exit 7; fi; sleep 30"));
        int code = launch.waitFor(60);
        assertEquals(7, code, launch.output());
        assertTrue(launch.output().contains("worker rank 1"), launch.output());
    }

    @Test
    void restartsAreForTrainJobsNotOwnPrograms() throws Exception {
        Jvm.Running launch = Jvm.plsc(List.of("launch", "--nproc", "2", "--max-restarts", "1", "--exec", "--", "true"));
        assertEquals(Plsc.BAD_INPUT, launch.waitFor(60), launch.output());
        assertTrue(launch.output().contains("--max-restarts restarts train commands (which resume from their checkpoints), not '--exec true'"),
                launch.output());
    }
}
