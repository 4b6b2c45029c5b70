package org.plscj.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.plscj.comm.LocalLauncher;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "launch",
        mixinStandardHelpOptions = true,
        description = {
            "Start this node's workers of a distributed job with the torchrun contract and supervise them.",
            "Each output line is prefixed with its rank. If a worker exits non-zero or dies, the others are",
            "stopped and launch exits non-zero naming that rank.",
            "",
            "One machine:   plsc launch --nproc 2 -- check --classes 100000 --loss arcface",
            "Several:       on every node run the same command with --nnodes M --node-rank K --master-addr HOST",
            "               (HOST = node 0's address, reachable by all; set GLOO_SOCKET_IFNAME to pick the NIC).",
            "               NODE_RANK, NNODES and MASTER_ADDR from the environment are used when the flags are absent."
        })
final class LaunchCommand implements Callable<Integer> {
    @Option(names = "--nproc", required = true, description = "Workers on this node.")
    int nproc;

    @Option(names = "--nnodes", defaultValue = "${env:NNODES:-1}", description = "Nodes in the job (default ${DEFAULT-VALUE}).")
    int nnodes;

    @Option(names = "--node-rank", defaultValue = "${env:NODE_RANK:-0}", description = "This node's index (default ${DEFAULT-VALUE}).")
    int nodeRank;

    @Option(names = "--master-addr", defaultValue = "${env:MASTER_ADDR:-127.0.0.1}",
            description = "Address of rank 0's node (default ${DEFAULT-VALUE}).")
    String masterAddr;

    @Option(names = "--master-port", defaultValue = "${env:MASTER_PORT:-29500}",
            description = "Rendezvous port on rank 0's node; 0 picks a free one (single node only). Default ${DEFAULT-VALUE}.")
    int masterPort;

    @Option(names = "--max-restarts", defaultValue = "0", description = {"Restart a failed train job up to N times with --resume",
        "added: the workers continue from the newest checkpoint. Exit codes 2 (bad input) and 4 (non-finite) are never",
        "retried. Default ${DEFAULT-VALUE}: a failure ends the launch."})
    int maxRestarts;

    @Option(names = "--restart-delay", defaultValue = "10", paramLabel = "SECONDS",
            description = "Seconds to wait before a restart (default ${DEFAULT-VALUE}).")
    double restartDelay;

    @Option(names = "--verbose", description = "Also show libtorch's routine start-up lines (Gloo's \"Rank 0 is connected to 1 peer ranks\").")
    boolean verbose;

    @Parameters(arity = "1..*", paramLabel = "COMMAND", description = "The plsc command each worker runs (after --).")
    List<String> command;

    /** Exit codes a restart cannot mend: bad input, non-finite training. */
    private static final List<Integer> FINAL_CODES = List.of(Plsc.BAD_INPUT, Plsc.NON_FINITE);

    @Override
    public Integer call() throws InterruptedException {
        if (masterPort == 0 && nnodes > 1) {
            throw new IllegalArgumentException("--master-port 0 (pick a free port) works on one node only; give every node the same port");
        }
        int port = masterPort == 0 ? LocalLauncher.freePort() : masterPort;
        if (maxRestarts < 0) {
            throw new IllegalArgumentException("--max-restarts must be ≥ 0, got " + maxRestarts);
        }
        if (!(restartDelay >= 0)) {
            throw new IllegalArgumentException("--restart-delay must be ≥ 0 seconds, got " + restartDelay);
        }
        if (maxRestarts > 0 && !command.get(0).equals("train")) {
            throw new IllegalArgumentException("--max-restarts restarts train commands (which resume from their checkpoints), not '"
                    + command.get(0) + "'");
        }
        List<String> history = new ArrayList<>();
        for (int attempt = 0; ; attempt++) {
            List<String> cmd = attempt == 0 ? command : resuming(command);
            int p = attempt > 0 && masterPort == 0 ? LocalLauncher.freePort() : port;
            LocalLauncher launcher = new LocalLauncher(new LocalLauncher.Topology(nproc, nnodes, nodeRank, masterAddr, p),
                    SelfCommand.of(cmd), System.out, verbose);
            int code = launcher.run();
            if (code == 0) {
                return 0;
            }
            LocalLauncher.Failure f = launcher.failure();
            String what = f == null ? "the launch failed with code " + code
                    : "rank " + f.rank() + " (pid " + f.pid() + ") exited with code " + f.exitCode() + f.signal();
            history.add("attempt " + (attempt + 1) + ": " + what);
            if (FINAL_CODES.contains(code) || attempt >= maxRestarts) {
                if (attempt > 0) {
                    System.out.println("plsc launch: giving up after " + (attempt + 1) + " attempts:");
                    history.forEach(h -> System.out.println("plsc launch:   " + h));
                }
                return code;
            }
            System.out.printf("plsc launch: restart %d of %d in %.0f s after %s; the workers resume from the newest checkpoint%n",
                    attempt + 1, maxRestarts, restartDelay, what);
            Thread.sleep((long) (restartDelay * 1000));
        }
    }

    /** The train command with --resume (once). */
    private static List<String> resuming(List<String> command) {
        List<String> out = new ArrayList<>(command);
        if (!out.contains("--resume")) {
            out.add(1, "--resume");
        }
        return out;
    }
}
