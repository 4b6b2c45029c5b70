package org.plscj.bench;

import java.util.Arrays;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.plscj.tensor.Scoped;
import org.plscj.io.MemoryProbe;
import org.plscj.comm.Communicator;
import org.plscj.head.HeadConfig;
import org.plscj.head.LossType;
import org.plscj.head.PartialFC;
import org.plscj.model.Backbone;
import org.plscj.model.Backbones;
import org.plscj.tensor.Placement;
import org.plscj.tensor.Tensors;
import org.plscj.train.BackboneSgd;
import org.plscj.train.GradientSync;
import org.plscj.train.StepPhases;
import org.plscj.train.TrainStep;

/**
 * Times whole training steps (backbone forward → dist_arcface head → backward → gradient all-reduce →
 * update) on random images, the way {@code plsc train} runs them minus the data loader, whose speed
 * {@code plsc bench data} measures. Warm-up steps first, one scope per step.
 */
public final class TrainBenchmark {
    /** arcface_torch's learning rate, which the peer script uses too. */
    private static final double LR = 0.1;

    /**
     * @param model         a built-in backbone name (or a custom class name)
     * @param batch         images per worker and step
     * @param mixedPrecision bf16 autocast for the backbone's forward
     * @param bucketCapMb   the gradient all-reduce in buckets of this many MiB during backward; 0 = one after it
     */
    public record Settings(String model, int embDim, long classes, int batch, int warmup, int steps, boolean mixedPrecision,
            double bucketCapMb) {
        /** These settings with another bucket cap. */
        public Settings withBucketCapMb(double capMb) {
            return new Settings(model, embDim, classes, batch, warmup, steps, mixedPrecision, capMb);
        }

        /** These settings in another precision. */
        public Settings withMixedPrecision(boolean bf16) {
            return new Settings(model, embDim, classes, batch, warmup, steps, bf16, bucketCapMb);
        }
    }

    /**
     * @param stepMs      wall time of each timed step (this rank)
     * @param phaseMeanMs mean per step of each phase
     * @param rssFirstMb  resident set after the warm-up
     * @param rssLastMb   resident set after the last step
     */
    public record Result(double[] stepMs, Map<StepPhases.Phase, Double> phaseMeanMs, double rssFirstMb, double rssLastMb,
            long parameters) {
        public double medianMs() {
            return Timing.median(stepMs);
        }

        public double minMs() {
            return Arrays.stream(stepMs).min().orElseThrow();
        }
    }

    private TrainBenchmark() {}

    public static Result run(Settings s, Communicator comm) {
        torch.manual_seed(1);
        Backbone backbone = Backbones.create(s.model(), s.embDim());
        HeadConfig head = HeadConfig.of(s.classes(), s.embDim(), LossType.ARCFACE);
        try (PartialFC fc = new PartialFC(head, comm); BackboneSgd sgd = new BackboneSgd(backbone, 0.9, 5e-4)) {
            GradientSync.broadcastFromRankZero(backbone, comm);
            TrainStep step = new TrainStep(backbone, fc, sgd, comm, s.mixedPrecision(), 0, s.bucketCapMb());
            for (int i = 0; i < s.warmup(); i++) {
                timedStep(step, s);
            }
            step.phases().reset();
            double rssFirst = MemoryProbe.rssMb();
            double[] ms = new double[s.steps()];
            for (int i = 0; i < ms.length; i++) {
                ms[i] = timedStep(step, s);
            }
            long parameters = sgd.parameters().values().stream().mapToLong(Tensor::numel).sum();
            return new Result(ms, step.phases().meanMillis(), rssFirst, MemoryProbe.rssMb(), parameters);
        } finally {
            backbone.close();
        }
    }

    private static double timedStep(TrainStep step, Settings s) {
        return Scoped.compute(() -> {
            Tensor images = Tensors.randn(Placement.CPU_FLOAT, s.batch(), 3, 112, 112);
            Tensor labels = torch.randint(s.classes(), new long[] {s.batch()});
            long t = System.nanoTime();
            step.run(images, labels, LR, t);
            return Timing.millisSince(t);
        });
    }
}
