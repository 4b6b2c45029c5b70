package org.plscj.head;

import java.util.function.Consumer;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.plscj.tensor.Native;
import org.plscj.tensor.Placement;

/**
 * Everything that defines a head, with PLSC's defaults: SGD momentum 0.9, weight decay 5e-4,
 * the loss type's default margins and scale, full softmax (sample_ratio 1.0).
 *
 * @param numClasses  C, over all workers
 * @param embDim      D
 * @param lossType    softmax or a margin loss
 * @param margin      m1, m2, m3 and the scale s (ignored for softmax)
 * @param sampleRatio Partial FC: the fraction of each shard's classes used per step, in (0, 1]
 * @param momentum    SGD momentum of the shard update
 * @param weightDecay L2 weight decay of the shard update
 * @param seed        seeds the initial weights and the Partial FC sampler (with the rank)
 * @param blockRows   classes per block of the blocked step; 0 picks 8192
 * @param recomputeLogits keep no [N, n] logits buffer: the backward pass recomputes each block's
 *                    logits (one more GEMM per step, N·n·4 bytes less memory: the largest class counts)
 * @param placement   device and precision of the shard
 * @param adamW       update the shard with torch.optim.AdamW ({@link org.plscj.optim.AdamWUpdate}: momentum is then unused,
 *                    weightDecay is decoupled) instead of SGD with momentum and L2 decay
 * @param marginGradient how the target's margin logit passes its gradient back (PLSC's exact derivative by default)
 * @param interclassFilteringThreshold arcface_torch's inter-class filtering for margin losses: a row's non-target cosines
 *                    above this are replaced by the constant 0 (logit 0, no gradient); 0 = off, else in (−1, 1)
 * @param headDtype   the element type W and its optimizer state are stored in (float32 arithmetic either way)
 * @param blockThreads threads that walk the step's blocks side by side, each with one intra-op and one BLAS thread;
 *                    1 = one thread walks them all with the process's intra-op and BLAS threads; 0 = automatic: one per
 *                    intra-op thread of this worker (measured at 1M classes on 2 cores: 2,801 ms per step vs 3,391 with 1)
 */
public record HeadConfig(
        long numClasses,
        int embDim,
        LossType lossType,
        Margin margin,
        double sampleRatio,
        double momentum,
        double weightDecay,
        long seed,
        int blockRows,
        boolean recomputeLogits,
        Placement placement,
        boolean adamW,
        MarginGradient marginGradient,
        double interclassFilteringThreshold,
        HeadDtype headDtype,
        int blockThreads) {

    public HeadConfig {
        if (headDtype == null) {
            throw new HeadConfigException("head_dtype", "head_dtype must be one of " + HeadDtype.keys());
        }
        if (numClasses < 1) {
            throw new HeadConfigException("num_classes", "num_classes must be positive, got " + numClasses);
        }
        if (embDim < 1) {
            throw new HeadConfigException("emb_dim", "emb_dim must be positive, got " + embDim);
        }
        if (!(sampleRatio > 0 && sampleRatio <= 1)) {
            throw new HeadConfigException("sample_ratio", "sample_ratio must be in (0, 1], got " + sampleRatio);
        }
        if (!(momentum >= 0 && momentum < 1)) {
            throw new HeadConfigException("momentum", "momentum must be in [0, 1), got " + momentum);
        }
        if (!(weightDecay >= 0)) {
            throw new HeadConfigException("weight_decay", "weight_decay must be >= 0, got " + weightDecay);
        }
        if (marginGradient == null) {
            throw new HeadConfigException("margin_gradient", "margin_gradient must be one of " + MarginGradient.keys());
        }
        if (!(interclassFilteringThreshold > -1 && interclassFilteringThreshold < 1)) {
            throw new HeadConfigException("interclass_filtering_threshold",
                    "interclass_filtering_threshold must be a cosine in (-1, 1) (0 = off), got " + interclassFilteringThreshold);
        }
        if (interclassFilteringThreshold != 0 && !lossType.normalised()) {
            throw new HeadConfigException("interclass_filtering_threshold", "interclass_filtering_threshold filters cosines, so it needs"
                    + " a margin loss (arcface, cosface, sphereface, combined), not " + lossType.plscName() + "; got "
                    + interclassFilteringThreshold);
        }
        if (blockThreads < 0) {
            throw new HeadConfigException("block_threads", "block threads must be >= 0 (0 = automatic), got " + blockThreads);
        }
        if (blockRows < 0) {
            throw new HeadConfigException("block_rows", "block rows must be >= 0 (0 = automatic), got " + blockRows);
        }
    }

    /** PLSC defaults for the given size and loss. */
    public static HeadConfig of(long numClasses, int embDim, LossType lossType) {
        return new HeadConfig(numClasses, embDim, lossType, lossType.defaultMargin(), 1.0, 0.9, 5e-4, 42, 0, false, Placement.CPU_FLOAT, false,
                MarginGradient.EXACT, 0, HeadDtype.FLOAT32, 0);
    }

    public HeadConfig withMargin(Margin m) {
        return edit(b -> b.margin = m);
    }

    public HeadConfig withSampleRatio(double r) {
        return edit(b -> b.sampleRatio = r);
    }

    public HeadConfig withSeed(long s) {
        return edit(b -> b.seed = s);
    }

    public HeadConfig withBlockRows(int rows) {
        return edit(b -> b.blockRows = rows);
    }

    /** Threads walking the step's blocks side by side (0 = automatic). */
    public HeadConfig withBlockThreads(int threads) {
        return edit(b -> b.blockThreads = threads);
    }

    public HeadConfig withRecomputedLogits(boolean recompute) {
        return edit(b -> b.recomputeLogits = recompute);
    }

    public HeadConfig withPlacement(Placement p) {
        return edit(b -> b.placement = p);
    }

    public HeadConfig withMarginGradient(MarginGradient g) {
        return edit(b -> b.marginGradient = g);
    }

    /** arcface_torch's inter-class filtering threshold (0 = off). */
    public HeadConfig withInterclassFilteringThreshold(double t) {
        return edit(b -> b.interclassFilteringThreshold = t);
    }

    /** Whether W and its optimizer state are stored narrower than the float32 the step computes in. */
    boolean narrowStorage() {
        return headDtype != HeadDtype.FLOAT32;
    }

    /** The element type W and its optimizer state are held in: bfloat16, or the placement's own (float32 or float64). */
    ScalarType storage() {
        return narrowStorage() ? headDtype.storage() : placement.dtype();
    }

    /** Whether the inter-class filter is on (a non-zero threshold). */
    boolean filtersInterclass() {
        return interclassFilteringThreshold != 0;
    }

    /** The element type of W and its optimizer state. */
    public HeadConfig withHeadDtype(HeadDtype d) {
        return edit(b -> b.headDtype = d);
    }

    public HeadConfig withOptimizer(double mom, double wd) {
        return edit(b -> {
            b.momentum = mom;
            b.weightDecay = wd;
        });
    }

    /** The shard's optimizer: torch.optim.AdamW (true) or SGD with momentum (false, PLSC's). */
    public HeadConfig withAdamW(boolean adam) {
        return edit(b -> b.adamW = adam);
    }

    /** This config with {@code change} applied (and checked again by the constructor). */
    private HeadConfig edit(Consumer<Draft> change) {
        Draft d = new Draft(this);
        change.accept(d);
        return new HeadConfig(d.numClasses, d.embDim, d.lossType, d.margin, d.sampleRatio, d.momentum, d.weightDecay, d.seed,
                d.blockRows, d.recomputeLogits, d.placement, d.adamW, d.marginGradient,
                d.interclassFilteringThreshold, d.headDtype, d.blockThreads);
    }

    /** A mutable copy, so that each wither names only what it changes. */
    private static final class Draft {
        long numClasses;
        int embDim;
        LossType lossType;
        Margin margin;
        double sampleRatio;
        double momentum;
        double weightDecay;
        long seed;
        int blockRows;
        boolean recomputeLogits;
        Placement placement;
        boolean adamW;
        MarginGradient marginGradient;
        double interclassFilteringThreshold;
        HeadDtype headDtype;
        int blockThreads;

        Draft(HeadConfig c) {
            numClasses = c.numClasses;
            embDim = c.embDim;
            lossType = c.lossType;
            margin = c.margin;
            sampleRatio = c.sampleRatio;
            momentum = c.momentum;
            weightDecay = c.weightDecay;
            seed = c.seed;
            blockRows = c.blockRows;
            recomputeLogits = c.recomputeLogits;
            placement = c.placement;
            adamW = c.adamW;
            marginGradient = c.marginGradient;
            interclassFilteringThreshold = c.interclassFilteringThreshold;
            headDtype = c.headDtype;
            blockThreads = c.blockThreads;
        }
    }

    /** Rows per block: the configured value, or 8192 (GEMMs of that width run near the large-GEMM rate here). */
    int effectiveBlockRows() {
        return blockRows > 0 ? blockRows : 8192;
    }

    /** Block threads: the configured count, or this worker's intra-op threads (one per core it owns). */
    int effectiveBlockThreads() {
        return blockThreads > 0 ? blockThreads : Native.intraOpThreads();
    }
}
