package org.plscj.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.DoubleStream;
import org.plscj.bench.BenchReport;
import org.plscj.bench.ComputeFloor;
import org.plscj.bench.HostFacts;
import org.plscj.bench.PeerBenchmark;
import org.plscj.bench.Timing;
import org.plscj.bench.TrainBenchmark;
import org.plscj.comm.Communicator;
import org.plscj.comm.DistEnv;
import org.plscj.comm.LocalLauncher;
import org.plscj.model.Backbone;
import org.plscj.model.Backbones;
import org.plscj.tensor.CpuFeatures;
import org.plscj.tensor.Native;
import org.plscj.train.MixedPrecision;
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
            "same threads), then ours in a fresh JVM, and reports the ratio; --repeat N alternates peer and ours N times",
            "and reports the median ratio. The compute floor is the model's training FLOPs (6 x forward MACs counted",
            "from its layer shapes) at the rate of one oneDNN convolution timed in this process; ratio_to_floor =",
            "step / floor. --bucket-cap-mb 0,25 runs the steps once per gradient bucket cap (0 = one all-reduce after",
            "backward, else buckets all-reduced during backward), alternating within each round, and reports the ratio.",
            "--mixed-precision --vs-fp32 runs our fp32 step after the bf16 one in each round and reports bf16's speed-up.",
            "Rank 0 prints a table and 'BENCH_JSON {...}'.",
            "",
            "  plsc bench train --model r50 --batch 64 --steps 3 --warmup 1 --peer --repeat 3",
            "  plsc bench train --model MobileFaceNet --batch 64 --nproc 2 --threads 1",
            "  plsc bench train --model r50 --batch 16 --nproc 2 --bucket-cap-mb 0,25 --repeat 2",
            "  plsc bench train --model MobileFaceNet --mixed-precision --vs-fp32 --peer --repeat 3"
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

    @Option(names = "--mixed-precision",
            description = "bf16 autocast for the backbone's forward (fp32 master weights and head); warns on a CPU without bf16 instructions.")
    boolean mixedPrecision;

    @Option(names = "--vs-fp32",
            description = "With --mixed-precision: also run our fp32 step in each round, after the bf16 one, and report bf16's "
                    + "speed-up over it (the median of the rounds' ratios).")
    boolean vsFp32;

    @Option(names = "--repeat", defaultValue = "1",
            description = "Rounds of (peer, ours) run alternately; the ratio reported is the median of the rounds' (default ${DEFAULT-VALUE}).")
    int repeat;

    @Option(names = "--bucket-cap-mb", split = ",", defaultValue = "25", paramLabel = "MIB[,MIB…]",
            description = "Gradient all-reduce buckets of this many MiB, overlapped with backward (0 = one all-reduce after "
                    + "backward); several values are run alternately in each round and compared to the first (default ${DEFAULT-VALUE}).")
    double[] bucketCapsMb;

    @Option(names = "--threads", paramLabel = "N",
            description = "Intra-op threads of each worker (default: PLSC_NUM_THREADS, else the cores / local workers).")
    Integer threads;

    @Option(names = "--nproc", defaultValue = "1", description = "Local workers; >1 relaunches this benchmark under 'plsc launch'.")
    int nproc;

    @Option(names = "--peer", description = "Also run the PyTorch peer (single process) first and report the ratio.")
    boolean peer;

    @Option(names = "--peer-script", defaultValue = "bench/torch_train_step.py", paramLabel = "PATH",
            description = "The peer script (default ${DEFAULT-VALUE}, relative to the working directory).")
    Path peerScript;

    @Option(names = "--json-out", paramLabel = "FILE", description = "Also write the JSON object to FILE (rank 0).")
    Path jsonOut;

    @Mixin
    WorkerOptions worker;

    @Override
    public Integer call() throws IOException, InterruptedException {
        DistEnv env = DistEnv.fromEnvironment();
        if (nproc > 1 && env.worldSize() == 1) {
            return relaunch();
        }
        if (batch < 1 || steps < 1 || warmup < 0 || emb < 1 || classes < 1 || repeat < 1) {
            throw new IllegalArgumentException("--batch, --steps, --emb, --classes and --repeat must be positive and --warmup non-negative");
        }
        if (Arrays.stream(bucketCapsMb).anyMatch(c -> !(c >= 0) || Double.isInfinite(c))) {
            throw new IllegalArgumentException("--bucket-cap-mb takes finite numbers ≥ 0, got " + Arrays.toString(bucketCapsMb));
        }
        if (vsFp32 && !mixedPrecision) {
            throw new IllegalArgumentException("--vs-fp32 compares bf16 with fp32: it needs --mixed-precision");
        }
        if (peer && env.worldSize() > 1) {
            throw new IllegalArgumentException("--peer runs single-process only (the peer is one process)");
        }
        CpuFeatures cpu = CpuFeatures.current();
        if (mixedPrecision && env.rank() == 0) {
            System.err.println("plsc bench train: " + MixedPrecision.decide("true", cpu).message());
        }
        if (peer) {
            if (threads != null) {
                Native.useIntraOpThreads(threads);
            }
            return peerRounds(PeerBenchmark.locate(peerScript));
        }
        TrainBenchmark.Settings settings = new TrainBenchmark.Settings(model, emb, classes, batch, warmup, steps, mixedPrecision,
                bucketCapsMb[0]);
        List<Round> rounds = new ArrayList<>();
        try (Communicator comm = worker.connect()) {
            if (threads != null) {
                Native.useIntraOpThreads(threads);
            }
            for (int r = 0; r < repeat; r++) {
                List<TrainBenchmark.Result> ours = new ArrayList<>();
                for (double cap : bucketCapsMb) {
                    ours.add(TrainBenchmark.run(settings.withBucketCapMb(cap), comm));
                }
                // why in the same round: bf16's gain over fp32 is only measurable between neighbouring runs (this VM
                // drifts by ±30 % over minutes)
                TrainBenchmark.Result fp32 = vsFp32 ? TrainBenchmark.run(settings.withMixedPrecision(false), comm) : null;
                rounds.add(new Round(ours, fp32));
            }
            if (comm.rank() == 0) {
                ComputeFloor floor = comm.worldSize() == 1 ? measureFloor() : null;
                publish(describe(rounds, floor, cpu, comm.worldSize()));
            }
        }
        return 0;
    }

    /**
     * --peer: {@code repeat} rounds of the PyTorch peer, then ours in a fresh JVM (this benchmark without --peer, one
     * round), and one report of the medians; see {@link BenchRounds} for why fresh.
     */
    private int peerRounds(PeerBenchmark peerBench) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("bench", "train", "--model", model, "--emb", Integer.toString(emb), "--classes",
                Long.toString(classes), "--batch", Integer.toString(batch), "--steps", Integer.toString(steps), "--warmup",
                Integer.toString(warmup), "--threads", Integer.toString(Native.intraOpThreads()), "--timeout",
                Integer.toString(worker.timeoutSeconds), "--bucket-cap-mb", capList()));
        if (mixedPrecision) {
            args.add("--mixed-precision");
        }
        if (vsFp32) {
            args.add("--vs-fp32");
        }
        List<BenchRounds.Round> rounds = new ArrayList<>();
        for (int r = 1; r <= repeat; r++) {
            PeerBenchmark.Result peerRun = peerBench.runTrain(model, emb, classes, batch, steps, warmup, Native.intraOpThreads(), mixedPrecision);
            rounds.add(new BenchRounds.Round(BenchRounds.runOurs(args, r), peerRun));
        }
        BenchReport report = BenchRounds.summarise(rounds, String.format("plsc bench train: %s D=%d C=%,d B=%d%s threads=%d, %d steps after"
                + " %d warm-up, %d rounds (peer, then ours in a fresh JVM)", model, emb, classes, batch, mixedPrecision ? " bf16" : "",
                Native.intraOpThreads(), steps, warmup, repeat));
        publish(report);
        return 0;
    }

    private void publish(BenchReport report) throws IOException {
        System.out.println(report.table());
        System.out.println("BENCH_JSON " + report.json());
        if (jsonOut != null) {
            Files.writeString(jsonOut, report.json() + System.lineSeparator());
        }
    }

    private String capList() {
        return Arrays.stream(bucketCapsMb).mapToObj(Double::toString).collect(Collectors.joining(","));
    }

    /** One round: ours once per bucket cap, then ours in fp32 (null without --vs-fp32). */
    private record Round(List<TrainBenchmark.Result> byCap, TrainBenchmark.Result fp32) {
        /** Our run with the first bucket cap. */
        TrainBenchmark.Result ours() {
            return byCap.get(0);
        }

        double bf16Speedup() {
            return fp32.medianMs() / ours().medianMs();
        }
    }

    /** The compute floor of this model in this precision; null for a custom backbone that does not describe its graph. */
    private ComputeFloor measureFloor() {
        Backbone backbone = Backbones.create(model, emb);
        try {
            return ComputeFloor.measure(backbone, mixedPrecision);
        } catch (UnsupportedOperationException e) {
            return null;
        } finally {
            backbone.close();
        }
    }

    private int relaunch() throws InterruptedException {
        List<String> args = new ArrayList<>(List.of("bench", "train", "--model", model, "--emb", Integer.toString(emb), "--classes",
                Long.toString(classes), "--batch", Integer.toString(batch), "--steps", Integer.toString(steps), "--warmup",
                Integer.toString(warmup), "--repeat", Integer.toString(repeat), "--timeout", Integer.toString(worker.timeoutSeconds),
                "--bucket-cap-mb", capList()));
        if (mixedPrecision) {
            args.add("--mixed-precision");
        }
        if (vsFp32) {
            args.add("--vs-fp32");
        }
        if (threads != null) {
            args.addAll(List.of("--threads", Integer.toString(threads)));
        }
        LocalLauncher.Topology local = new LocalLauncher.Topology(nproc, 1, 0, "127.0.0.1", LocalLauncher.freePort());
        return new LocalLauncher(local, SelfCommand.of(args), System.out).run();
    }

    private BenchReport describe(List<Round> rounds, ComputeFloor floor, CpuFeatures cpu, int world) {
        HostFacts host = HostFacts.current();
        double images = (double) batch * world;
        TrainBenchmark.Result last = rounds.get(rounds.size() - 1).ours();
        double ourMedian = median(rounds.stream().mapToDouble(r -> r.ours().medianMs()));
        BenchReport report = new BenchReport()
                .fact("impl", "plsc-j").fact("model", model).fact("emb", emb).fact("classes", classes).fact("batch", batch)
                .fact("world_size", world).fact("mixed_precision", mixedPrecision).fact("cpu_bf16", cpu.bf16())
                .fact("threads", Native.intraOpThreads()).fact("parameters", last.parameters()).fact("steps", steps)
                .fact("warmup", warmup).fact("repeat", repeat).fact("bucket_cap_mb", bucketCapsMb[0])
                .fact("date", OffsetDateTime.now().truncatedTo(ChronoUnit.SECONDS).toString())
                .fact("cpu_model", host.cpuModel()).fact("cores", host.cores()).fact("allocator", host.allocator());
        report.section(String.format("plsc bench train: %s D=%d C=%,d B=%d world=%d%s, %d steps after %d warm-up, %d round(s)", model, emb,
                classes, batch, world, mixedPrecision ? " bf16" : "", steps, warmup, repeat));
        report.figure("step_ms_median", "step time, median of the rounds' medians (rank 0)", ourMedian, "ms")
                .figure("step_ms_min", "step time, min (rank 0)", rounds.stream().mapToDouble(r -> r.ours().minMs()).min().orElseThrow(), "ms")
                .figure("images_per_s", "images/s (all workers, from the median)", images / (ourMedian / 1000), "img/s");
        if (floor != null) {
            report.section("compute floor (" + (floor.bf16() ? "bf16" : "fp32") + ")")
                    .figure("forward_gmacs_per_image", "forward MACs per image (from the layer shapes)", floor.macsPerImage() / 1e9, "G")
                    .figure("peak_gflops", "measured peak: " + ComputeFloor.REFERENCE, floor.peakGflops(), "GFLOP/s")
                    .figure("floor_ms", "floor: 6 x MACs x batch / peak", floor.floorMs(batch), "ms")
                    .figure("ratio_to_floor", "ratio to floor (step median / floor)", ourMedian / floor.floorMs(batch), "×");
        }
        report.section("phases (rank 0, mean per step, last round)");
        for (Map.Entry<StepPhases.Phase, Double> phase : last.phaseMeanMs().entrySet()) {
            if (phase.getKey() != StepPhases.Phase.DATA) {
                String name = phase.getKey().name().toLowerCase(Locale.ROOT);
                report.figure("phase_" + name + "_ms", name.replace('_', ' '), phase.getValue(), "ms");
            }
        }
        if (bucketCapsMb.length > 1) {
            describeBuckets(report, rounds);
        }
        if (vsFp32) {
            report.section("bf16 vs our fp32 (alternated in each round, rank 0)")
                    .figure("fp32_step_ms_median", "fp32 step time, median of the rounds' medians",
                            median(rounds.stream().mapToDouble(r -> r.fp32().medianMs())), "ms");
            for (int i = 0; i < rounds.size(); i++) {
                report.figure("bf16_speedup_round_" + (i + 1), "bf16 speed-up in round " + (i + 1) + " (fp32 / bf16)",
                        rounds.get(i).bf16Speedup(), "×");
            }
            report.figure("bf16_speedup_vs_fp32_median", "bf16 speed-up, median of the rounds (fp32 / bf16)",
                    median(rounds.stream().mapToDouble(Round::bf16Speedup)), "×");
        }
        report.section("memory (rank 0, last round)")
                .figure("rss_first_mb", "RSS after warm-up", last.rssFirstMb(), "MiB")
                .figure("rss_last_mb", "RSS after the last step", last.rssLastMb(), "MiB");
        return report;
    }

    /** Each bucket cap's step time and exposed all-reduce time, and its speed-up over the first cap, rounds alternated. */
    private void describeBuckets(BenchReport report, List<Round> rounds) {
        report.section(String.format("gradient all-reduce by bucket cap (rank 0, median of the rounds; speed-up = step at %s MiB / step)",
                capName(bucketCapsMb[0])));
        for (int c = 0; c < bucketCapsMb.length; c++) {
            int k = c;
            String cap = capName(bucketCapsMb[c]);
            String key = cap.replace('.', '_');
            String how = bucketCapsMb[c] == 0 ? "one all-reduce after backward" : cap + " MiB buckets during backward";
            report.figure("bucket_" + key + "_step_ms", "step, " + how, median(rounds.stream().mapToDouble(r -> r.byCap().get(k).medianMs())), "ms")
                    .figure("bucket_" + key + "_all_reduce_ms", "  all-reduce left after backward",
                            median(rounds.stream().mapToDouble(r -> r.byCap().get(k).phaseMeanMs().get(StepPhases.Phase.ALL_REDUCE))), "ms")
                    .figure("bucket_" + key + "_backward_ms", "  backward (with the overlapped buckets)",
                            median(rounds.stream().mapToDouble(r -> r.byCap().get(k).phaseMeanMs().get(StepPhases.Phase.BACKWARD))), "ms");
            if (c > 0) {
                report.figure("bucket_" + key + "_speedup", "  speed-up over " + capName(bucketCapsMb[0]) + " MiB",
                        median(rounds.stream().mapToDouble(r -> r.byCap().get(0).medianMs() / r.byCap().get(k).medianMs())), "×");
            }
        }
    }

    private static String capName(double capMb) {
        return capMb == Math.rint(capMb) ? Long.toString((long) capMb) : Double.toString(capMb);
    }

    private static double median(DoubleStream values) {
        return Timing.median(values.toArray());
    }
}
