package org.plscj.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.bytedeco.pytorch.Tensor;
import org.plscj.bench.BenchReport;
import org.plscj.bench.GemmFloor;
import org.plscj.bench.HeadBenchmark;
import org.plscj.bench.HostFacts;
import org.plscj.tensor.Scoped;
import org.plscj.tensor.Tensors;
import org.plscj.train.MemoryPlan;
import org.plscj.io.MemoryProbe;
import org.plscj.bench.PeerBenchmark;
import org.plscj.comm.Communicator;
import org.plscj.comm.Communicator.Reduction;
import org.plscj.comm.DistEnv;
import org.plscj.head.HeadConfig;
import org.plscj.head.HeadDtype;
import org.plscj.head.LossType;
import org.plscj.head.StepProfile.Phase;
import org.plscj.tensor.Native;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "head",
        mixinStandardHelpOptions = true,
        description = {
            "One head training step: time by phase, the GEMM floor, memory, and the PyTorch peer.",
            "",
            "Runs steps of the model-parallel head on random embeddings and labels.",
            "Rank 0 prints a table, then one line 'BENCH_JSON {...}':",
            "step time (median, min, mean; the median is the max over ranks), mean time",
            "per phase and what no phase accounts for (mean step - sum of phases), RSS",
            "after warm-up and after the last step (run many steps to see it stay flat),",
            "and an estimate of how many classes fit in memory.",
            "",
            "After the head it measures, in the same process, the step's floor",
            "at this worker's shapes: its GEMMs (logits, twice with --recompute-logits;",
            "dX; dW) through libtorch's BLAS, plus the SGD update's 16*n*D bytes at the",
            "measured memory bandwidth. ratio_to_floor = step median / floor.",
            "--peer first runs the PyTorch arcface_torch head (bench/arcface_torch_head.py;",
            "single process, arcface only, its Partial FC with --sample-ratio) at the same",
            "sizes and threads; --repeat N alternates peer and ours N times.",
            "C is the total over workers (each owns about C/N); B is per worker.",
            "",
            "  plsc bench head --classes 100000 --emb 512 --batch 128 --steps 10",
            "  plsc bench head --classes 20000 --emb 128 --batch 32 --steps 3 --peer",
            "  plsc bench head --classes 1000000 --steps 3 --warmup 1 --peer --repeat 3",
            "  plsc launch --nproc 2 -- bench head --classes 1000000 --sample-ratio 0.1"
        })
final class BenchHeadCommand implements Callable<Integer> {
    /** arcface_torch's learning rate, which the peer script uses too. */
    private static final double LR = 0.1;

    @Option(names = "--classes", required = true, description = "Number of classes C over all workers.")
    long classes;

    @Option(names = "--emb", defaultValue = "512", description = "Embedding size D (default ${DEFAULT-VALUE}).")
    int emb;

    @Option(names = "--batch", defaultValue = "128", description = "Rows per worker B (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--sample-ratio", defaultValue = "1.0",
            description = "Partial FC ratio in (0, 1]; 1 is the full softmax. Default ${DEFAULT-VALUE}.")
    double sampleRatio;

    @Option(names = "--steps", defaultValue = "10", description = "Timed steps (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--warmup", defaultValue = "2", description = "Untimed steps before them (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--loss", defaultValue = "arcface",
            description = "softmax, arcface, cosface, sphereface or combined (dist_ prefix optional). Default ${DEFAULT-VALUE}.")
    String loss;

    @Option(names = "--recompute-logits",
            description = "Keep no [N, n] logits buffer; recompute each block's logits in the backward pass (less memory).")
    boolean recomputeLogits;

    @Option(names = "--head-dtype", defaultValue = "float32", paramLabel = "DTYPE",
            description = "float32 or bfloat16: the element type W and its momentum are stored in (training key head_dtype;"
                    + " float32 arithmetic either way). Default ${DEFAULT-VALUE}.")
    String headDtype;

    @Option(names = "--block-rows", defaultValue = "0",
            description = "Classes per block of the blocked step; 0 = automatic (default ${DEFAULT-VALUE}).")
    int blockRows;

    @Option(names = "--block-threads", defaultValue = "0", paramLabel = "K",
            description = "Threads walking the step's blocks side by side, each with one intra-op and one BLAS thread; 0 = automatic"
                    + " (default ${DEFAULT-VALUE}).")
    int blockThreads;

    @Option(names = "--peer", description = "Also run the PyTorch peer (single process, arcface only) and report the speed-up.")
    boolean peer;

    @Option(names = "--repeat", defaultValue = "1", paramLabel = "N",
            description = "Rounds (single process only): with N > 1 each round runs the peer (with --peer), then the head in a fresh"
                    + " JVM, and the report gives medians over the rounds (speedup_vs_peer_median). Default ${DEFAULT-VALUE}.")
    int repeat;

    @Option(names = "--peer-script", defaultValue = "bench/arcface_torch_head.py", paramLabel = "PATH",
            description = "The peer script (default ${DEFAULT-VALUE}, relative to the working directory).")
    Path peerScript;

    @Option(names = "--threads", paramLabel = "N",
            description = "Intra-op threads of each worker (default: PLSC_NUM_THREADS, else the cores / local workers).")
    Integer threads;

    @Option(names = "--json-out", paramLabel = "FILE", description = "Also write the JSON object to FILE (rank 0).")
    Path jsonOut;

    @Mixin
    WorkerOptions worker;

    @Override
    public Integer call() throws IOException, InterruptedException {
        DistEnv env = DistEnv.fromEnvironment();
        LossType type = validate(env);
        // why: fail on a missing peer before the run, which may take minutes, not after it
        PeerBenchmark peerBench = peer ? PeerBenchmark.locate(peerScript) : null;
        long available = MemoryProbe.availableBytes();
        // why first: the peer is a separate process whose memory is gone when it exits, while this
        // JVM keeps the head's pages resident (jemalloc, decay off); after the head, the two would
        // need 4.5 + 16.9 GB at once at 1M classes
        if (threads != null) {
            Native.useIntraOpThreads(threads);
        }
        if (repeat > 1) {
            return rounds(peerBench);
        }
        PeerBenchmark.Result peerRun = peerBench == null ? null
                : peerBench.run(classes, emb, batch, steps, warmup, Native.intraOpThreads(), sampleRatio);
        try (Communicator comm = worker.connect()) {
            HeadConfig config = HeadConfig.of(classes, emb, type).withSampleRatio(sampleRatio).withRecomputedLogits(recomputeLogits)
                    .withBlockRows(blockRows).withHeadDtype(HeadDtype.of(headDtype)).withBlockThreads(blockThreads);
            long rows = (long) batch * comm.worldSize();
            HeadBenchmark.Result run = HeadBenchmark.run(new HeadBenchmark.Settings(config, batch, warmup, steps, LR), comm);
            double worstMedian = maxOverRanks(comm, run.medianMs());
            // why after the head: jemalloc (decay off) keeps freed pages resident, so a floor measured
            // first would leave its buffers in the head's RSS figures; measured after, it reuses the
            // head's pages. The barrier makes the ranks' floors contend for the host alike.
            comm.barrier();
            GemmFloor floor = GemmFloor.measure(rows, classesPerStep(run.shardSize()), emb, recomputeLogits ? 2 : 1);
            if (comm.rank() == 0) {
                MemoryPlan plan = MemoryPlan.of(config, rows, comm.worldSize(), env.localWorldSize(), available);
                BenchReport report = describe(type, comm.worldSize(), run, worstMedian);
                addFloor(report, floor, worstMedian);
                addMemory(report, run, plan);
                if (peerRun != null) {
                    addPeer(report, peerRun, worstMedian);
                }
                publish(report);
            }
        }
        return 0;
    }

    /** --repeat N: N rounds of the peer (with --peer) and ours in a fresh JVM, then one report of their medians. */
    private int rounds(PeerBenchmark peerBench) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("bench", "head", "--classes", Long.toString(classes), "--emb", Integer.toString(emb),
                "--batch", Integer.toString(batch), "--sample-ratio", Double.toString(sampleRatio), "--steps", Integer.toString(steps),
                "--warmup", Integer.toString(warmup), "--loss", loss, "--head-dtype", headDtype, "--block-rows", Integer.toString(blockRows),
                "--block-threads", Integer.toString(blockThreads),
                "--threads", Integer.toString(Native.intraOpThreads()), "--timeout", Integer.toString(worker.timeoutSeconds)));
        if (recomputeLogits) {
            args.add("--recompute-logits");
        }
        List<BenchRounds.Round> rounds = new ArrayList<>();
        for (int r = 1; r <= repeat; r++) {
            PeerBenchmark.Result peerRun = peerBench == null ? null
                    : peerBench.run(classes, emb, batch, steps, warmup, Native.intraOpThreads(), sampleRatio);
            rounds.add(new BenchRounds.Round(BenchRounds.runOurs(args, r), peerRun));
        }
        publish(BenchRounds.summarise(rounds, String.format("plsc bench head: %s C=%,d D=%d B=%d sample_ratio=%s threads=%d, %d steps after"
                + " %d warm-up, %d rounds", loss, classes, emb, batch, sampleRatio, Native.intraOpThreads(), steps, warmup, repeat)));
        return 0;
    }

    private LossType validate(DistEnv env) {
        require(classes >= 1, "--classes must be >= 1, got " + classes);
        require(emb >= 1, "--emb must be >= 1, got " + emb);
        require(batch >= 1, "--batch must be >= 1, got " + batch);
        require(sampleRatio > 0 && sampleRatio <= 1, "--sample-ratio must be in (0, 1], got " + sampleRatio);
        require(steps >= 1, "--steps must be >= 1, got " + steps);
        require(warmup >= 0, "--warmup must be >= 0, got " + warmup);
        require(repeat >= 1, "--repeat must be >= 1, got " + repeat);
        require(repeat == 1 || env.worldSize() == 1, "--repeat runs each round in one fresh process; got WORLD_SIZE=" + env.worldSize());
        require(worker.device.equals("cpu"), "--device " + worker.device + ": bench head times host calls and measures "
                + "a CPU floor, so it runs on cpu only");
        try {
            HeadDtype.of(headDtype);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--head-dtype: " + e.getMessage(), e);
        }
        LossType type;
        try {
            type = LossType.parse(loss);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--loss: " + e.getMessage(), e);
        }
        if (peer) {
            require(type == LossType.ARCFACE, "--peer compares with arcface_torch's arcface head; --loss must be arcface, got " + loss);
            require(env.worldSize() == 1, "--peer runs single-process only (the peer is one process); got WORLD_SIZE="
                    + env.worldSize());
        }
        return type;
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** n per step on this worker: the shard, or the sampler's ⌊ratio·n⌋ under Partial FC. */
    private long classesPerStep(long shardSize) {
        return sampleRatio < 1 ? Math.max(1, (long) (sampleRatio * shardSize)) : shardSize;
    }

    private static double maxOverRanks(Communicator comm, double value) {
        return Scoped.compute(() -> {
            Tensor t = Tensors.doubles(new double[] {value});
            comm.allReduce(t, Reduction.MAX);
            return t.item_double();
        });
    }

    /** The run's identity, host facts, step times and phases. */
    private BenchReport describe(LossType type, int world, HeadBenchmark.Result run, double worstMedian) {
        HostFacts host = HostFacts.current();
        int threads = Native.intraOpThreads();
        BenchReport report = new BenchReport()
                .fact("impl", "plsc-j").fact("classes", classes).fact("emb", emb).fact("batch", batch).fact("world_size", world)
                .fact("sample_ratio", sampleRatio).fact("recompute_logits", recomputeLogits).fact("head_dtype", headDtype).fact("block_threads", blockThreads).fact("block_rows", blockRows).fact("loss", type.plscName()).fact("steps", steps).fact("warmup", warmup)
                .fact("threads", threads).fact("classes_per_worker", run.shardSize()).fact("classes_per_step", classesPerStep(run.shardSize()))
                .fact("date", OffsetDateTime.now().truncatedTo(ChronoUnit.SECONDS).toString())
                .fact("cpu_model", host.cpuModel()).fact("cores", host.cores()).fact("mem_total_mb", Math.round(host.memTotalMb()))
                .fact("allocator", host.allocator()).fact("openblas_coretype", host.openblasCoretype());
        report.section(String.format("plsc bench head: %s C=%,d D=%d B=%d world=%d sample_ratio=%s threads=%d, %d steps after %d warm-up",
                type.plscName(), classes, emb, batch, world, sampleRatio, threads, steps, warmup));
        report.figure("step_ms_median", world > 1 ? "step time, median (max over ranks)" : "step time, median", worstMedian, "ms")
                .figure("step_ms_min", world > 1 ? "step time, min (rank 0)" : "step time, min", run.minMs(), "ms")
                .figure("step_ms_mean", world > 1 ? "step time, mean (rank 0)" : "step time, mean", run.meanMs(), "ms")
                .figure("cpu_steal_pct", "CPU steal during the timed steps (VM neighbours)", run.stealPct(), "%");
        report.section(world > 1 ? "phases (rank 0, mean per step)" : "phases (mean per step)");
        for (Map.Entry<Phase, Double> phase : run.phaseMeanMs().entrySet()) {
            String name = phase.getKey().name().toLowerCase(Locale.ROOT);
            report.figure("phase_" + name + "_ms", name.replace('_', ' '), phase.getValue(), "ms");
        }
        return report.figure("phase_unaccounted_ms", "unaccounted (mean − Σ phases)", run.unaccountedMs(), "ms");
    }

    private static void addFloor(BenchReport report, GemmFloor floor, double worstMedian) {
        report.section(String.format("floor (this worker's shapes: N=%d rows, n=%,d classes, D=%d)", floor.rows(), floor.classes(),
                floor.emb()));
        report.figure("floor_logits_gemm_ms", "logits GEMM [N,D]×[D,n]" + (floor.logitsPasses() > 1 ? " (×" + floor.logitsPasses()
                + " per step)" : ""), floor.logitsMs(), "ms")
                .figure("floor_dx_gemm_ms", "dX GEMM [N,n]×[n,D]", floor.inputGradMs(), "ms")
                .figure("floor_dw_gemm_ms", "dW GEMM [n,N]×[N,D]", floor.weightGradMs(), "ms")
                .figure("floor_gemm_gflops", "GEMM rate (2·N·n·D flops per GEMM)", floor.gemmGflops(), "GFLOP/s")
                .figure("mem_bandwidth_gbps", "memory bandwidth (b += α·a, 3 streams)", floor.bandwidthGBps(), "GB/s")
                .figure("floor_update_ms", "update traffic 16·n·D bytes / bandwidth", floor.updateMs(), "ms")
                .figure("floor_ms", "floor (GEMMs + update)", floor.floorMs(), "ms")
                .figure("ratio_to_floor", "ratio to floor (step median / floor)", worstMedian / floor.floorMs(), "×");
    }

    private static void addMemory(BenchReport report, HeadBenchmark.Result run, MemoryPlan plan) {
        double mib = 1024.0 * 1024.0;
        report.section("memory (rank 0)")
                .figure("rss_first_mb", "RSS after warm-up", run.rssFirstMb(), "MiB")
                .figure("rss_last_mb", "RSS after the last step", run.rssLastMb(), "MiB")
                .figure("rss_growth_mb", "RSS growth over the timed steps", run.rssGrowthMb(), "MiB")
                .figure("peak_rss_mb", "peak RSS (VmHWM)", run.peakRssMb(), "MiB")
                .figure("bytes_per_class", "head bytes per class (estimate)", plan.bytesPerClass(), "B")
                .figure("mem_available_mb", "MemAvailable at start", plan.availableBytes() / mib, "MiB")
                .figure("max_classes_per_worker_fit", "max classes per worker (estimate)", plan.maxClassesPerWorker(), "classes")
                .figure("max_classes_total", "max classes in total (estimate)", plan.maxClassesTotal(), "classes");
    }

    private static void addPeer(BenchReport report, PeerBenchmark.Result peerRun, double ourMedian) {
        report.section("PyTorch peer (arcface_torch head, torch " + peerRun.torchVersion() + ", " + peerRun.blas() + ")")
                .fact("peer_torch_version", peerRun.torchVersion()).fact("peer_blas", peerRun.blas())
                .figure("peer_step_ms_median", "peer step time, median", peerRun.stepMsMedian(), "ms")
                .figure("peer_step_ms_min", "peer step time, min", peerRun.stepMsMin(), "ms")
                .figure("peer_peak_rss_mb", "peer peak RSS", peerRun.peakRssMb(), "MiB")
                .figure("speedup_vs_peer", "speed-up (peer median / our median)", peerRun.stepMsMedian() / ourMedian, "×");
    }

    private void publish(BenchReport report) throws IOException {
        System.out.println(report.table());
        System.out.println("BENCH_JSON " + report.json());
        if (jsonOut != null) {
            Files.writeString(jsonOut, report.json() + System.lineSeparator());
        }
    }
}
