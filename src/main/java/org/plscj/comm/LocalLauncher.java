package org.plscj.comm;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Starts this node's workers with the torchrun contract and supervises them: each output line is
 * prefixed with its rank; when a worker exits non-zero or dies, the others are stopped and the
 * launch fails naming that rank. Multi-node: run the same launch on every node with its
 * {@code nodeRank}; global rank = nodeRank·nproc + localRank.
 */
public final class LocalLauncher {
    /** How the workers of this node are placed in the job. */
    public record Topology(int nproc, int nnodes, int nodeRank, String masterAddr, int masterPort) {
        public Topology {
            if (nproc < 1 || nnodes < 1 || nodeRank < 0 || nodeRank >= nnodes) {
                throw new IllegalArgumentException("need nproc >= 1, nnodes >= 1 and 0 <= node_rank < nnodes; got nproc=" + nproc
                        + " nnodes=" + nnodes + " node_rank=" + nodeRank);
            }
        }
    }

    private static final long GRACE_MS = 10_000;

    private final Topology topology;
    private final List<String> workerCommand;
    private final PrintStream out;
    private final List<Process> workers = new ArrayList<>();
    private final boolean verbose;
    /**
     * Lines libtorch writes for every healthy start, straight to stdout (not through its log levels, so
     * TORCH_CPP_LOG_LEVEL cannot hide them): Gloo's "Rank 0 is connected to 1 peer ranks", c10d's "hostname of the
     * client socket cannot be retrieved".
     */
    private static final Pattern CHATTER = Pattern.compile("^\\[Gloo\\] Rank \\d+ is connected to|hostname of the client socket cannot be retrieved");
    private Failure failure;
    private volatile boolean stopRequested;

    /** What {@link #run} returns after {@link #requestStop}: a worker stopped by SIGTERM. */
    public static final int STOPPED = 128 + 15;

    /** The worker that ended a failed {@link #run}: its rank, pid and exit code (above 128: killed by signal code − 128). */
    public record Failure(int rank, long pid, int exitCode) {
        /** " (killed by signal 9)" when it was killed, else "". */
        public String signal() {
            return exitCode > 128 ? " (killed by signal " + (exitCode - 128) + ")" : "";
        }
    }

    /**
     * @param workerCommand the full command line of one worker (program and arguments)
     * @param out           where the prefixed worker output and the launcher's messages go
     */
    public LocalLauncher(Topology topology, List<String> workerCommand, PrintStream out) {
        this(topology, workerCommand, out, false);
    }

    /** @param verbose also pass on libtorch's routine start-up lines (hidden by default) */
    public LocalLauncher(Topology topology, List<String> workerCommand, PrintStream out, boolean verbose) {
        this.topology = topology;
        this.workerCommand = List.copyOf(workerCommand);
        this.out = out;
        this.verbose = verbose;
    }

    /** The worker whose exit failed the last run; null when it succeeded or has not run. */
    public Failure failure() {
        return failure;
    }

    /**
     * Stops the workers of a running {@link #run}, from another thread (an elastic job admitting a node restarts its
     * group); {@link #run} then returns {@link #STOPPED}.
     */
    public void requestStop() {
        stopRequested = true;
    }

    /** A free TCP port on this host, for {@code --master-port 0}. */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free port", e);
        }
    }

    /** Runs the workers to completion; returns 0 when all succeeded, else the failing worker's code (at least 1). */
    public int run() throws InterruptedException {
        Thread stopOnExit = new Thread(this::stopAll);
        Runtime.getRuntime().addShutdownHook(stopOnExit);
        List<Thread> pumps = new ArrayList<>();
        try {
            for (int local = 0; local < topology.nproc(); local++) {
                int rank = topology.nodeRank() * topology.nproc() + local;
                Process p = start(rank, local);
                workers.add(p);
                pumps.add(pump(p, rank));
            }
            int code = supervise();
            for (Thread t : pumps) {
                t.join(2000);
            }
            return code;
        } finally {
            stopAll();
            try {
                Runtime.getRuntime().removeShutdownHook(stopOnExit);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is already exiting: the hook runs anyway
            }
        }
    }

    private Process start(int rank, int local) {
        ProcessBuilder pb = new ProcessBuilder(workerCommand).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.put("MASTER_ADDR", topology.masterAddr());
        env.put("MASTER_PORT", Integer.toString(topology.masterPort()));
        env.put("WORLD_SIZE", Integer.toString(topology.nproc() * topology.nnodes()));
        env.put("RANK", Integer.toString(rank));
        env.put("LOCAL_RANK", Integer.toString(local));
        env.put("LOCAL_WORLD_SIZE", Integer.toString(topology.nproc()));
        env.put("NODE_RANK", Integer.toString(topology.nodeRank()));
        env.put("NNODES", Integer.toString(topology.nnodes()));
        env.put(LauncherWatch.PID_VARIABLE, Long.toString(ProcessHandle.current().pid()));
        // why: OpenBLAS keeps its own thread pool that ignores set_num_threads; with several workers
        // per host it oversubscribes the cores (measured 2.2 s → 0.8 s per 2-process step)
        if (topology.nproc() > 1) {
            env.putIfAbsent("OPENBLAS_NUM_THREADS", "1");
        }
        try {
            return pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start worker rank " + rank + ": " + e.getMessage(), e);
        }
    }

    private Thread pump(Process p, int rank) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (!verbose && CHATTER.matcher(line).find()) {
                        continue;
                    }
                    synchronized (out) {
                        out.println("[rank " + rank + "] " + line);
                    }
                }
            } catch (IOException ignored) {
                // the worker's pipe closed: it exited
            }
        }, "rank-" + rank + "-output");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Waits until all workers succeeded or one failed; on failure stops the rest. */
    private int supervise() throws InterruptedException {
        boolean[] done = new boolean[workers.size()];
        int finished = 0;
        while (finished < workers.size()) {
            if (stopRequested) {
                stopAll();
                return STOPPED;
            }
            for (int i = 0; i < workers.size(); i++) {
                Process p = workers.get(i);
                if (done[i] || p.isAlive()) {
                    continue;
                }
                done[i] = true;
                finished++;
                int code = p.exitValue();
                if (code != 0) {
                    int rank = topology.nodeRank() * topology.nproc() + i;
                    failure = new Failure(rank, p.pid(), code);
                    synchronized (out) {
                        out.println("plsc launch: worker rank " + rank + " (pid " + p.pid() + ") exited with code " + code + failure.signal()
                                + "; stopping the other workers");
                    }
                    stopAll();
                    return code;
                }
            }
            Thread.sleep(50);
        }
        return 0;
    }

    private void stopAll() {
        for (Process p : workers) {
            if (p.isAlive()) {
                p.destroy();
            }
        }
        long deadline = System.currentTimeMillis() + GRACE_MS;
        for (Process p : workers) {
            try {
                long left = deadline - System.currentTimeMillis();
                if (left <= 0 || !p.waitFor(left, TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
