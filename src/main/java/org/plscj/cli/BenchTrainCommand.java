package org.plscj.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.plscj.bench.BenchReport;
import org.plscj.bench.HostFacts;
import org.plscj.bench.PeerBenchmark;
import org.plscj.bench.TrainBenchmark;
import org.plscj.comm.Communicator;
import org.plscj.comm.DistEnv;
import org.plscj.comm.LocalLauncher;
import org.plscj.tensor.Native;
import org.plscj.train.StepPhases;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "train",
        mixinStandardHelpOptions = true,
        description = {
            "Whole training steps: images/s and the time split (forward, head, backward, all-reduce, update).",
            "",
            "Random images [B,3,112,112] through the backbone, the dist_arcface head, backward, the gradient",
            "all-reduce and SGD, as 'plsc train' runs them (the loader's speed is 'plsc bench data').",
            "--peer first runs the same step through PyTorch (bench/torch_train_step.py, single process,",
            "same threads) and reports the ratio measured in this run. Rank 0 prints a table and 'BENCH_JSON {...}'.",
            "",
            "  plsc bench train --model ResNet50 --batch 64 --steps 5 --peer",
            "  plsc bench train --model MobileFaceNet --batch 64 --nproc 2"
        })
final class BenchTrainCommand implements Callable<Integer> {
    @Option(names = "--model", defaultValue = "ResNet50", description = "Backbone (default ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--emb", defaultValue = "512", description = "Embedding size (default ${DEFAULT-VALUE}).")
    int emb;

    @Option(names = "--classes", defaultValue = "10000", description = "Classes of the head over all workers (default ${DEFAULT-VALUE}).")
    long classes;

    @Option(names = "--batch", defaultValue = "64", description = "Images per worker and step (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--steps", defaultValue = "5", description = "Timed steps (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--warmup", defaultValue = "2", description = "Untimed steps first (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--mixed-precision", description = "bf16 autocast for the backbone's forward (fp32 master weights and head).")
    boolean mixedPrecision;

    @Option(names = "--nproc", defaultValue = "1", description = "Local workers; >1 relaunches this benchmark under 'plsc launch'.")
    int nproc;

    @Option(names = "--peer", description = "Also run the PyTorch peer (single process) first and report the ratio.")
    boolean peer;

    @Option(names = "--peer-script", defaultValue = "bench/torch_train_step.py", paramLabel = "PATH",
            description = "The peer script (default ${DEFAULT-VALUE}, relative to the working directory).")
    Path peerScript;

    @Mixin
    WorkerOptions worker;

    @Override
    public Integer call() throws IOException, InterruptedException {
        DistEnv env = DistEnv.fromEnvironment();
        if (nproc > 1 && env.worldSize() == 1) {
            return relaunch();
        }
        if (batch < 1 || steps < 1 || warmup < 0 || emb < 1 || classes < 1) {
            throw new IllegalArgumentException("--batch, --steps, --emb and --classes must be positive and --warmup non-negative");
        }
        if (peer && env.worldSize() > 1) {
            throw new IllegalArgumentException("--peer runs single-process only (the peer is one process)");
        }
        PeerBenchmark.Result peerRun = peer ? PeerBenchmark.locate(peerScript).runTrain(model, emb, classes, batch, steps, warmup,
                Native.intraOpThreads(), mixedPrecision) : null;
        try (Communicator comm = worker.connect()) {
            TrainBenchmark.Result run = TrainBenchmark.run(
                    new TrainBenchmark.Settings(model, emb, classes, batch, warmup, steps, mixedPrecision), comm);
            if (comm.rank() == 0) {
                BenchReport report = describe(run, comm.worldSize());
                if (peerRun != null) {
                    report.section("PyTorch peer (torch " + peerRun.torchVersion() + ", " + peerRun.blas() + ")")
                            .figure("peer_step_ms_median", "peer step time, median", peerRun.stepMsMedian(), "ms")
                            .figure("peer_images_per_s", "peer images/s", batch / (peerRun.stepMsMedian() / 1000), "img/s")
                            .figure("speedup_vs_peer", "speed-up (peer median / our median)", peerRun.stepMsMedian() / run.medianMs(), "×");
                }
                System.out.println(report.table());
                System.out.println("BENCH_JSON " + report.json());
            }
        }
        return 0;
    }

    private int relaunch() throws InterruptedException {
        List<String> args = new ArrayList<>(List.of("bench", "train", "--model", model, "--emb", Integer.toString(emb), "--classes",
                Long.toString(classes), "--batch", Integer.toString(batch), "--steps", Integer.toString(steps), "--warmup",
                Integer.toString(warmup), "--timeout", Integer.toString(worker.timeoutSeconds)));
        if (mixedPrecision) {
            args.add("--mixed-precision");
        }
        LocalLauncher.Topology local = new LocalLauncher.Topology(nproc, 1, 0, "127.0.0.1", LocalLauncher.freePort());
        return new LocalLauncher(local, SelfCommand.of(args), System.out).run();
    }

    private BenchReport describe(TrainBenchmark.Result run, int world) {
        HostFacts host = HostFacts.current();
        double images = (double) batch * world;
        BenchReport report = new BenchReport()
                .fact("impl", "plsc-j").fact("model", model).fact("emb", emb).fact("classes", classes).fact("batch", batch)
                .fact("world_size", world).fact("mixed_precision", mixedPrecision).fact("threads", Native.intraOpThreads())
                .fact("parameters", run.parameters()).fact("steps", steps).fact("warmup", warmup)
                .fact("date", OffsetDateTime.now().truncatedTo(ChronoUnit.SECONDS).toString())
                .fact("cpu_model", host.cpuModel()).fact("cores", host.cores()).fact("jemalloc", host.jemalloc());
        report.section(String.format("plsc bench train: %s D=%d C=%,d B=%d world=%d%s, %d steps after %d warm-up", model, emb, classes,
                batch, world, mixedPrecision ? " bf16" : "", steps, warmup));
        report.figure("step_ms_median", "step time, median (rank 0)", run.medianMs(), "ms")
                .figure("step_ms_min", "step time, min (rank 0)", run.minMs(), "ms")
                .figure("images_per_s", "images/s (all workers, from the median)", images / (run.medianMs() / 1000), "img/s");
        report.section("phases (rank 0, mean per step)");
        for (Map.Entry<StepPhases.Phase, Double> phase : run.phaseMeanMs().entrySet()) {
            if (phase.getKey() != StepPhases.Phase.DATA) {
                String name = phase.getKey().name().toLowerCase(Locale.ROOT);
                report.figure("phase_" + name + "_ms", name.replace('_', ' '), phase.getValue(), "ms");
            }
        }
        return report.section("memory (rank 0)")
                .figure("rss_first_mb", "RSS after warm-up", run.rssFirstMb(), "MiB")
                .figure("rss_last_mb", "RSS after the last step", run.rssLastMb(), "MiB");
    }
}
