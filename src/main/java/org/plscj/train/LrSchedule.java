package org.plscj.train;

import java.util.List;

/**
 * PLSC's learning rate per step. The configured lr is for a global batch of 1024, so
 * base_lr = lr × batchFactor with batchFactor = global batch / 1024; a linear warm-up reaches
 * base_lr over warmupSteps, then piecewise decay, a cosine or arcface_torch's polynomial down to 0 at totalSteps.
 *
 * <pre>{@code
 * LrSchedule s = LrSchedule.of(config, worldSize, stepsPerEpoch, config.totalSteps(stepsPerEpoch));
 * optimizer.setLr(s.at(step));
 * }</pre>
 *
 * @param lr            the configured lr (for a global batch of 1024)
 * @param batchFactor   global batch / 1024, see {@link #batchFactor(int, int)}
 * @param scheduler     one of {@link TrainConfig#LR_SCHEDULERS}: piecewise, cosine or poly
 * @param lrSteps       piecewise boundaries (absolute steps), increasing
 * @param decayFactor   piecewise factor per boundary passed
 * @param warmupSteps   linear warm-up length; 0 = none
 * @param totalSteps    the cosine and the polynomial reach 0 here
 * @param power         the polynomial's exponent (lr_power)
 */
public record LrSchedule(double lr, double batchFactor, String scheduler, List<Long> lrSteps, double decayFactor,
        long warmupSteps, long totalSteps, double power) {

    public LrSchedule {
        if (!(lr > 0) || !(batchFactor > 0) || !(decayFactor > 0)) {
            throw new IllegalArgumentException("need lr, batch factor and decay factor > 0, got " + lr + ", "
                    + batchFactor + ", " + decayFactor);
        }
        if (warmupSteps < 0 || totalSteps < 0) {
            throw new IllegalArgumentException("need warm-up and total steps >= 0, got " + warmupSteps + ", " + totalSteps);
        }
        if (!TrainConfig.LR_SCHEDULERS.contains(scheduler)) {
            throw new IllegalArgumentException("need a scheduler of " + TrainConfig.LR_SCHEDULERS + ", got " + scheduler);
        }
        if (!(power > 0) || Double.isInfinite(power)) {
            throw new IllegalArgumentException("need a finite power > 0, got " + power);
        }
        lrSteps = List.copyOf(lrSteps);
    }

    /** The schedule of {@code c} on {@code worldSize} workers. */
    public static LrSchedule of(TrainConfig c, int worldSize, long stepsPerEpoch, long totalSteps) {
        long warmup = (long) Math.floor(c.warmupEpochs() * stepsPerEpoch);
        // why × gradient_acc: an update averages over that many micro-batches, so its batch is that much larger
        return new LrSchedule(c.lr(), batchFactor(c.trainBatchSize() * c.gradientAcc(), worldSize), c.lrScheduler(),
                c.lrSteps(), c.lrDecayFactor(), warmup, totalSteps, c.lrPower());
    }

    /** PLSC's scaling: global batch / 1024, the global batch being the per-worker batch × workers. */
    public static double batchFactor(int perWorkerBatch, int worldSize) {
        if (perWorkerBatch < 1 || worldSize < 1) {
            throw new IllegalArgumentException("need batch and world size >= 1, got " + perWorkerBatch + ", " + worldSize);
        }
        return (double) perWorkerBatch * worldSize / 1024.0;
    }

    /** lr × batchFactor: the rate after warm-up and before any decay. */
    public double baseLr() {
        return lr * batchFactor;
    }

    /** The learning rate for 0-based step {@code step}. */
    public double at(long step) {
        if (step < warmupSteps) {
            // base·(step+1)/warmup. why not arcface_torch's base·step/warmup: that spends step 0 at lr 0;
            // here the first step already moves and the last warm-up step is at base
            return baseLr() * (step + 1) / warmupSteps;
        }
        return switch (scheduler) {
            case "cosine" -> cosineAt(step);
            case "poly" -> polyAt(step);
            default -> piecewiseAt(step);
        };
    }

    /** base·factor^k, k = number of boundaries ≤ step. */
    private double piecewiseAt(long step) {
        long passed = lrSteps.stream().filter(boundary -> boundary <= step).count();
        return baseLr() * Math.pow(decayFactor, passed);
    }

    /** base·½·(1 + cos(π·(step − warmup)/(total − warmup))), held at 0 past total. */
    private double cosineAt(long step) {
        return baseLr() * 0.5 * (1 + Math.cos(Math.PI * progress(step)));
    }

    /**
     * base·(1 − (step − w)/(total − w))^power, held at 0 past total: the closed form of arcface_torch's
     * PolynomialLRWarmup (recognition/arcface_torch/lr_scheduler.py, {@code _get_closed_form_lr}), which its
     * train_v2.py uses for every recipe with power 1.0. Its warm-up is this class's (see {@link #at}).
     */
    private double polyAt(long step) {
        return baseLr() * Math.pow(1 - progress(step), power);
    }

    /** (step − warmup)/(total − warmup) clamped to [0, 1]: how far the decay after warm-up has gone. */
    private double progress(long step) {
        long span = totalSteps - warmupSteps;
        return span <= 0 ? 1 : Math.min(1.0, (double) (step - warmupSteps) / span);
    }
}
