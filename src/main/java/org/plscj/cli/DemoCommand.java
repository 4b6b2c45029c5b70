package org.plscj.cli;

import java.util.List;
import java.util.concurrent.Callable;
import org.plscj.comm.LocalLauncher;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = {
            "The embedded default job, no data needed.",
            "",
            "Checks the distributed head against the single-device",
            "reference on 2 local workers (every loss type, full softmax and Partial FC), then benchmarks one",
            "head step at a small size. (Training on generated identities replaces this once 'plsc train' lands.)"
        })
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--nproc", defaultValue = "2", description = "Local workers for the check (default ${DEFAULT-VALUE}).")
    int nproc;

    @Option(names = "--classes", defaultValue = "100000", description = "Classes of the benchmark step (default ${DEFAULT-VALUE}).")
    long benchClasses;

    @Override
    public Integer call() throws InterruptedException {
        System.out.println("== plsc demo 1/2: distributed head == single-device autograd reference, " + nproc + " workers ==");
        List<String> check = List.of("check", "--classes", "10007", "--emb", "64", "--batch", "16", "--loss", "all",
                "--sample-ratio", "1.0,0.3", "--steps", "2");
        LocalLauncher.Topology local = new LocalLauncher.Topology(nproc, 1, 0, "127.0.0.1", LocalLauncher.freePort());
        int code = new LocalLauncher(local, SelfCommand.of(check), System.out).run();
        if (code != 0) {
            System.out.println("plsc demo: the check failed (exit " + code + ")");
            return code;
        }
        System.out.println();
        System.out.println("== plsc demo 2/2: one head step at " + benchClasses + " classes, D=512, B=128, vs the GEMM floor ==");
        return Plsc.commandLine().execute("bench", "head", "--classes", Long.toString(benchClasses), "--emb", "512",
                "--batch", "128", "--steps", "5");
    }
}
