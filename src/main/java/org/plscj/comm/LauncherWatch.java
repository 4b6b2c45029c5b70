package org.plscj.comm;

import java.io.PrintStream;
import java.util.Optional;

/**
 * A worker started by {@link LocalLauncher} ends when its launcher ends, however the launcher ends. A killed
 * launcher (SIGKILL, OOM killer, a lost ssh session) runs no shutdown hook, so its workers would run on as
 * orphans holding cores, memory, ports and the run's save directory. The launcher passes its pid in
 * {@value #PID_VARIABLE}; the worker watches that process (pid and start time, so a reused pid is not taken for
 * it) and halts when it is gone. Pure Java: no prctl(PR_SET_PDEATHSIG), which would also fire when merely the
 * JVM thread that started the worker ends.
 */
public final class LauncherWatch {
    /** The launcher's pid, in its workers' environment. */
    public static final String PID_VARIABLE = "PLSC_LAUNCHER_PID";
    /** How often the worker looks; a dead launcher's workers are gone within about this long. */
    private static final long PERIOD_MS = 500;
    /** The worker's exit code: a launcher lost is a peer lost. */
    private static final int EXIT_CODE = 3;

    private LauncherWatch() {}

    /** Starts watching when this process was started by a launcher; otherwise does nothing. */
    public static void startIfLaunched(PrintStream err) {
        String value = System.getenv(PID_VARIABLE);
        if (value == null || value.isBlank()) {
            return;
        }
        long pid;
        try {
            pid = Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(PID_VARIABLE + " must be a process id, got '" + value + "'", e);
        }
        Optional<ProcessHandle> launcher = ProcessHandle.of(pid);
        if (launcher.isEmpty()) {
            gone(pid, err);
        }
        ProcessHandle handle = launcher.get();
        Thread watch = new Thread(() -> {
            while (handle.isAlive()) {
                try {
                    Thread.sleep(PERIOD_MS);
                } catch (InterruptedException e) {
                    return;
                }
            }
            gone(pid, err);
        }, "plsc-launcher-watch");
        watch.setDaemon(true);
        watch.start();
    }

    private static void gone(long pid, PrintStream err) {
        err.println("plsc: the launcher (pid " + pid + ") is gone; this worker stops");
        err.flush();
        // why halt: shutdown hooks could wait on collectives whose peers are gone too
        Runtime.getRuntime().halt(EXIT_CODE);
    }
}
