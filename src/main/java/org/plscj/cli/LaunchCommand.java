package org.plscj.cli;

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

    @Parameters(arity = "1..*", paramLabel = "COMMAND", description = "The plsc command each worker runs (after --).")
    List<String> command;

    @Override
    public Integer call() throws InterruptedException {
        if (masterPort == 0 && nnodes > 1) {
            throw new IllegalArgumentException("--master-port 0 (pick a free port) works on one node only; give every node the same port");
        }
        int port = masterPort == 0 ? LocalLauncher.freePort() : masterPort;
        LocalLauncher.Topology topology = new LocalLauncher.Topology(nproc, nnodes, nodeRank, masterAddr, port);
        return new LocalLauncher(topology, SelfCommand.of(command), System.out).run();
    }
}
