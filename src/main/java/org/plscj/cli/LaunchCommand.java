package org.plscj.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.plscj.comm.LocalLauncher;
import org.plscj.comm.Rendezvous;
import org.plscj.train.TrainConfig;
import org.plscj.train.TrainConfigLoader;
import picocli.CommandLine;
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
            "Own program:   plsc launch --nproc 2 --exec -- java -cp app.jar my.Main   (each worker runs it with the variables)",
            "Several:       on every node run the same command with --nnodes M --node-rank K --master-addr HOST",
            "               (HOST = node 0's address, reachable by all; set GLOO_SOCKET_IFNAME to pick the NIC).",
            "               NODE_RANK, NNODES and MASTER_ADDR from the environment are used when the flags are absent.",
            "Elastic:       on every node: plsc launch --nproc P --nnodes MIN:MAX --master-addr HOST --max-restarts N -- train ...",
            "               The launchers meet in rounds through a store on HOST:MASTER_PORT that the launcher on HOST (the master",
            "               node, node 0) hosts; node ranks and the world size are set per round; the workers' own store uses",
            "               MASTER_PORT + 1. After a failure the launchers left re-join; a node missing for --rendezvous-timeout is",
            "               left out and the workers resume from the newest checkpoint on fewer workers (see elastic_batch). A node",
            "               started while the job runs with fewer than MAX nodes joins at once (the group restarts from the newest",
            "               checkpoint). Losing the master node ends the job."
        })
final class LaunchCommand implements Callable<Integer> {
    @Option(names = "--nproc", required = true, description = "Workers on this node.")
    int nproc;

    @Option(names = "--nnodes", defaultValue = "${env:NNODES:-1}", paramLabel = "N|MIN:MAX",
            description = {"Nodes in the job (default ${DEFAULT-VALUE}); MIN:MAX (torchrun's syntax) makes the job elastic:",
                "it runs on any number of nodes from MIN to MAX, see above."})
    String nnodes;

    @Option(names = "--node-rank", defaultValue = "${env:NODE_RANK:-0}",
            description = "This node's index (default ${DEFAULT-VALUE}); with --nnodes MIN:MAX the rendezvous assigns it.")
    int nodeRank;

    @Option(names = "--master-addr", defaultValue = "${env:MASTER_ADDR}",
            description = "Address of node 0 (default 127.0.0.1; required with --nnodes MIN:MAX: the master node's address).")
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

    @Option(names = "--rendezvous-timeout", defaultValue = "60", paramLabel = "SECONDS",
            description = {"With --nnodes MIN:MAX: how long the master waits for more than MIN nodes in a round (fewer than MIN",
                "by then ends the job), and a node for the master to come up. Default ${DEFAULT-VALUE}."})
    double rendezvousTimeout;

    @Option(names = "--exec", description = {"COMMAND is a program each worker runs as it is (e.g. java -cp app.jar my.Main: a",
        "training loop of your own using PLSC-J as a library), not a plsc command; like torchrun's --no-python."})
    boolean exec;

    @Option(names = "--verbose", description = "Also show libtorch's routine start-up lines (Gloo's \"Rank 0 is connected to 1 peer ranks\").")
    boolean verbose;

    @Parameters(arity = "1..*", paramLabel = "COMMAND", description = "The plsc command each worker runs (after --).")
    List<String> command;

    /** Exit codes a restart cannot mend: bad input, non-finite training. */
    private static final List<Integer> FINAL_CODES = List.of(Plsc.BAD_INPUT, Plsc.NON_FINITE);

    /** --nnodes: N nodes, or MIN:MAX (elastic). */
    private record NodeCount(int min, int max, boolean elastic) {
        static NodeCount parse(String text) {
            String[] parts = text.trim().split(":", -1);
            try {
                if (parts.length == 1) {
                    int n = Integer.parseInt(parts[0].trim());
                    return new NodeCount(n, n, false);
                }
                if (parts.length == 2) {
                    return new NodeCount(Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim()), true);
                }
            } catch (NumberFormatException e) {
                // why fall through: the same message as a wrong number of parts
            }
            throw new IllegalArgumentException("--nnodes takes N or MIN:MAX (whole numbers), got '" + text + "'");
        }
    }

    @Override
    public Integer call() throws InterruptedException {
        if (masterAddr != null && masterAddr.isBlank()) {
            masterAddr = null; // why: an empty MASTER_ADDR is no address
        }
        NodeCount nodes = NodeCount.parse(nnodes);
        check(nodes);
        String master = masterAddr == null ? "127.0.0.1" : masterAddr;
        int port = masterPort == 0 ? LocalLauncher.freePort() : masterPort;
        if (!nodes.elastic()) {
            return supervise(null, nodes.max(), master, port);
        }
        Duration timeout = Duration.ofMillis((long) (rendezvousTimeout * 1000));
        try (Rendezvous rendezvous = Rendezvous.connect(master, port, nodes.min(), nodes.max(), nproc, timeout, System.out)) {
            return supervise(rendezvous, nodes.max(), master, port);
        }
    }

    /** Bad input refused before any worker starts, with the reason. */
    private void check(NodeCount nodes) {
        if (nodes.min() < 1 || nodes.min() > nodes.max()) {
            throw new IllegalArgumentException("--nnodes " + nnodes + ": " + (nodes.min() < 1 ? "needs at least 1 node"
                    : "MIN " + nodes.min() + " is above MAX " + nodes.max()));
        }
        if (nodes.elastic() && masterAddr == null) {
            throw new IllegalArgumentException("--nnodes " + nnodes + " needs --master-addr (or MASTER_ADDR): the address of the"
                    + " master node, whose launcher hosts the rendezvous");
        }
        if (masterPort == 0 && (nodes.max() > 1 || nodes.elastic())) {
            throw new IllegalArgumentException("--master-port 0 (pick a free port) works on one node only; give every node the same port");
        }
        if (maxRestarts < 0) {
            throw new IllegalArgumentException("--max-restarts must be ≥ 0, got " + maxRestarts);
        }
        if (!(restartDelay >= 0)) {
            throw new IllegalArgumentException("--restart-delay must be ≥ 0 seconds, got " + restartDelay);
        }
        if (!(rendezvousTimeout > 0)) {
            throw new IllegalArgumentException("--rendezvous-timeout must be > 0 seconds, got " + rendezvousTimeout);
        }
        if (maxRestarts > 0 || nodes.elastic()) {
            String why = maxRestarts > 0 ? "--max-restarts" : "--nnodes " + nnodes;
            if (exec || !command.get(0).equals("train")) {
                throw new IllegalArgumentException(why + " restarts train commands (which resume from their checkpoints), not '"
                        + (exec ? "--exec " : "") + command.get(0) + "'");
            }
            requireSaveDirectory(why);
        }
    }

    /**
     * The train command's config is read here (a bad one is refused before any worker starts) and must name
     * model_save_dir: the restarted workers resume from it, and PLSC's default ./saved_model depends on each machine's
     * working directory.
     */
    private void requireSaveDirectory(String why) {
        TrainCommand train = new TrainCommand();
        try {
            new CommandLine(train).parseArgs(command.subList(1, command.size()).toArray(String[]::new));
        } catch (CommandLine.ParameterException e) {
            throw new IllegalArgumentException("the train command: " + e.getMessage(), e);
        }
        TrainConfig config = TrainConfigLoader.load(train.config, train.overrides);
        if (config.modelSaveDir().equals(TrainConfig.defaults().modelSaveDir())) {
            throw new IllegalArgumentException(why + " needs the train command to name model_save_dir (in its --config or as"
                    + " model_save_dir=DIR): the restarted workers resume from the checkpoints there, and the default "
                    + config.modelSaveDir() + " depends on each machine's working directory");
        }
    }

    /**
     * Runs the workers, restarting them after a failure up to --max-restarts times; with a rendezvous each start is a round
     * (restarts that admit a new node are not failures).
     */
    private int supervise(Rendezvous rendezvous, int fixedNodes, String master, int port) throws InterruptedException {
        List<String> history = new ArrayList<>();
        int failures = 0;
        boolean resume = false;
        while (true) {
            LocalLauncher.Topology topology;
            Rendezvous.Round round = null;
            if (rendezvous == null) {
                int p = failures > 0 && masterPort == 0 ? LocalLauncher.freePort() : port;
                topology = new LocalLauncher.Topology(nproc, fixedNodes, nodeRank, master, p);
            } else {
                Optional<Rendezvous.Round> next = rendezvous.next();
                if (next.isEmpty()) {
                    System.out.println("plsc launch: the job finished without this node");
                    return 0;
                }
                round = next.get();
                resume |= round.number() > 0;
                topology = new LocalLauncher.Topology(nproc, round.nodes(), round.nodeRank(), master, round.workerPort());
                System.out.printf("plsc launch: round %d: %d node(s), %d worker(s); this node is node %d (ranks %d to %d): %s%n",
                        round.number(), round.nodes(), round.nodes() * nproc, round.nodeRank(), round.nodeRank() * nproc,
                        (round.nodeRank() + 1) * nproc - 1, String.join(", ", round.hosts()));
            }
            List<String> worker = exec ? command : SelfCommand.of(resume ? resuming(command) : command);
            LocalLauncher launcher = new LocalLauncher(topology, worker, System.out, verbose);
            Thread admissions = rendezvous != null && rendezvous.isMaster() ? admitNewNodes(rendezvous, round, launcher) : null;
            int code = launcher.run();
            if (admissions != null) {
                admissions.interrupt();
                admissions.join();
            }
            if (code == 0) {
                if (rendezvous != null) {
                    rendezvous.finished();
                }
                return 0;
            }
            resume = true;
            if (round != null && rendezvous.newNodeWaiting(round)) {
                System.out.println("plsc launch: the group restarts to admit a new node (not counted as a failure)");
                continue;
            }
            LocalLauncher.Failure f = launcher.failure();
            String what = f == null ? "the launch failed with code " + code
                    : "rank " + f.rank() + " (pid " + f.pid() + ") exited with code " + f.exitCode() + f.signal();
            history.add("attempt " + (failures + 1) + ": " + what);
            if (FINAL_CODES.contains(code) || failures >= maxRestarts) {
                if (failures > 0) {
                    System.out.println("plsc launch: giving up after " + (failures + 1) + " attempts:");
                    history.forEach(h -> System.out.println("plsc launch:   " + h));
                }
                return code;
            }
            failures++;
            System.out.printf("plsc launch: restart %d of %d in %.0f s after %s; the workers resume from the newest checkpoint%s%n",
                    failures, maxRestarts, restartDelay, what, rendezvous == null ? "" : " (re-joining the rendezvous)");
            Thread.sleep((long) (restartDelay * 1000));
        }
    }

    /** The master's watch while its workers run: a new node waiting for the next round stops them, so that round opens now. */
    private static Thread admitNewNodes(Rendezvous rendezvous, Rendezvous.Round round, LocalLauncher launcher) {
        Thread t = new Thread(() -> {
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    Thread.sleep(1000);
                    if (rendezvous.newNodeWaiting(round)) {
                        System.out.println("plsc launch: a new node waits to join and the job has " + round.nodes()
                                + " node(s): stopping this round's workers to open the next round");
                        launcher.requestStop();
                        return;
                    }
                }
            } catch (InterruptedException e) {
                // the round ended
            } catch (RuntimeException e) {
                // why swallow: the round's own outcome decides; a broken store shows at the next rendezvous
            }
        }, "plsc-admissions");
        t.setDaemon(true);
        t.start();
        return t;
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
