package org.plscj.comm;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.plscj.testing.Jvm;

class LaunchTest {
    /** A two-worker launch of a long check, and its workers once both run. */
    private record Launched(Jvm.Running launch, List<ProcessHandle> workers) {}

    private static Launched launchTwo() throws Exception {
        Jvm.Running launch = Jvm.plsc(List.of("launch", "--nproc", "2", "--master-port", "0", "--",
                "check", "--classes", "20000", "--emb", "64", "--steps", "100000", "--timeout", "120"));
        long deadline = System.currentTimeMillis() + 60_000;
        List<ProcessHandle> workers = List.of();
        while (workers.size() < 2 && System.currentTimeMillis() < deadline) {
            Thread.sleep(200);
            workers = launch.process.children().toList();
        }
        assertTrue(workers.size() == 2, launch.output());
        return new Launched(launch, workers);
    }

    @Test
    void aDeadWorkerStopsTheOthersAndFailsTheLaunchNamingItsRank() throws Exception {
        Launched l = launchTwo();
        Jvm.Running launch = l.launch();
        List<ProcessHandle> workers = l.workers();
        Thread.sleep(8000);
        ProcessHandle victim = workers.get(1);
        victim.destroyForcibly();
        int code = launch.waitFor(60);
        String out = launch.output();
        assertNotEquals(0, code, out);
        Matcher m = Pattern.compile("plsc launch: worker rank (\\d) \\(pid (\\d+)\\) exited with code (\\d+)").matcher(out);
        assertTrue(m.find(), out);
        for (ProcessHandle w : workers) {
            assertFalse(w.isAlive(), "worker " + w.pid() + " still running after the launch failed");
        }
    }

    @Test
    void workersDieWithTheirLauncherEvenWhenItIsKilled() throws Exception {
        Launched l = launchTwo();
        Jvm.Running launch = l.launch();
        List<ProcessHandle> workers = l.workers();
        Thread.sleep(3000);
        launch.process.destroyForcibly(); // SIGKILL: the launcher runs no shutdown hook
        launch.process.waitFor();
        Thread.sleep(5000);
        for (ProcessHandle w : workers) {
            assertFalse(w.isAlive(), "worker " + w.pid() + " still running 5 s after its launcher was killed");
        }
    }
}
