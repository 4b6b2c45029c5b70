package org.plscj.bench;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.plscj.tensor.Scoped;
import org.plscj.io.MemoryProbe;
import org.plscj.comm.Communicator;
import org.plscj.head.HeadConfig;
import org.plscj.head.PartialFC;
import org.plscj.head.StepProfile.Phase;
import org.plscj.tensor.Tensors;

/**
 * Times training steps of a {@link PartialFC} head on random embeddings and uniformly random
 * labels over all classes, as a backbone would feed it: warm-up steps first, then timed steps,
 * each in its own scope, with the per-phase profile and the resident set size
 * taken over the timed window only. Every worker of the communicator must call it alike.
 */
public final class HeadBenchmark {
    /**
     * @param config the head to build
     * @param batch  B, rows per worker and step
     * @param warmup untimed steps first (allocator and thread pools warm up, buffers grow)
     * @param steps  timed steps
     * @param lr     learning rate of every step
     */
    public record Settings(HeadConfig config, int batch, int warmup, int steps, double lr) {}

    /**
     * @param stepMs      wall time of each timed step
     * @param phaseMeanMs mean time per step in each phase of {@link org.plscj.head.StepProfile}
     * @param rssFirstMb  resident set after the warm-up
     * @param rssLastMb   resident set after the last step
     * @param peakRssMb   the process's largest resident set so far
     * @param shardSize   classes this worker owns
     * @param stealPct    CPU steal during the timed steps, in percent of all CPU time
     */
    public record Result(double[] stepMs, Map<Phase, Double> phaseMeanMs, double rssFirstMb, double rssLastMb, double peakRssMb,
            long shardSize, double stealPct) {
        public double medianMs() {
            return Timing.median(stepMs);
        }

        public double minMs() {
            return Arrays.stream(stepMs).min().orElseThrow();
        }

        public double meanMs() {
            return Arrays.stream(stepMs).average().orElseThrow();
        }

        /**
         * Step time no phase claims: mean step − Σ phase means (Partial FC's gather and scatter of W
         * show up here). Means on both sides, because the phases split each step's time exactly and
         * a median of noisy steps can lie below their mean sum.
         */
        public double unaccountedMs() {
            return meanMs() - phaseMeanMs.values().stream().mapToDouble(Double::doubleValue).sum();
        }

        public double rssGrowthMb() {
            return rssLastMb - rssFirstMb;
        }
    }

    private HeadBenchmark() {}

    public static Result run(Settings settings, Communicator comm) {
        HeadConfig config = settings.config();
        // why: every worker draws its own rows, as each would see a different part of the data
        torch.manual_seed(config.seed() + comm.rank());
        try (PartialFC head = new PartialFC(config, comm)) {
            for (int i = 0; i < settings.warmup(); i++) {
                timedStep(head, settings);
            }
            head.profile().reset();
            double rssFirst = MemoryProbe.rssMb();
            CpuSteal before = CpuSteal.now();
            double[] ms = new double[settings.steps()];
            for (int i = 0; i < ms.length; i++) {
                ms[i] = timedStep(head, settings);
            }
            Map<Phase, Double> means = new EnumMap<>(Phase.class);
            head.profile().millis().forEach((phase, total) -> means.put(phase, total / ms.length));
            return new Result(ms, means, rssFirst, MemoryProbe.rssMb(), MemoryProbe.peakRssMb(), head.shard().size(),
                    CpuSteal.now().percentSince(before));
        }
    }

    /** One step on fresh inputs; only {@code head.step} is timed. */
    private static double timedStep(PartialFC head, Settings settings) {
        HeadConfig config = head.config();
        return Scoped.compute(() -> {
            Tensor x = Tensors.randn(config.placement(), settings.batch(), config.embDim());
            Tensor labels = torch.randint(config.numClasses(), new long[] {settings.batch()});
            long t = System.nanoTime();
            head.step(x, labels, settings.lr());
            return Timing.millisSince(t);
        });
    }
}
