package org.plscj.head;

import static org.plscj.tensor.Tensors.maxAbs;
import static org.plscj.tensor.Tensors.rows;
import static org.plscj.tensor.Tensors.scalar;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.plscj.comm.Communicator;
import org.plscj.comm.Communicator.Reduction;
import org.plscj.tensor.Placement;
import org.plscj.tensor.Scoped;
import org.plscj.tensor.Tensors;

/**
 * Runs the distributed head and {@link SingleDeviceReference} on the same random inputs and
 * reports the largest relative errors over every worker: loss, accuracy, ∂loss/∂x, the
 * re-assembled ∂loss/∂W (recovered from the momentum the update wrote: dW = v' − μv − λw), the
 * update itself (w' = w − lr·v'), and that Partial FC left unsampled rows untouched. This is
 * what {@code plsc check} prints; the tests call it too.
 */
public final class HeadCheck {
    /** Max relative error of each quantity over all steps and ranks, and whether all are within tolerance. */
    public record Report(Map<String, Double> errors, double tolerance, boolean pass) {}

    private HeadCheck() {}

    public static Report run(HeadConfig config, Communicator comm, int batch, int steps, double lr, double tolerance) {
        Map<String, Double> worst = new LinkedHashMap<>();
        for (String k : new String[] {"loss", "accuracy", "dx", "dw", "bias", "update", "untouched"}) {
            worst.put(k, 0.0);
        }
        try (PartialFC head = new PartialFC(config, comm)) {
            for (int step = 0; step < steps; step++) {
                int at = step;
                Scoped.run(() -> compareStep(config, comm, head, batch, at, lr, worst));
            }
        }
        double[] values = worst.values().stream().mapToDouble(Double::doubleValue).toArray();
        double[] reduced = Scoped.compute(() -> {
            Tensor t = Tensors.doubles(values);
            comm.allReduce(t, Reduction.MAX);
            return Tensors.toDoubleArray(t);
        });
        int i = 0;
        for (String k : worst.keySet()) {
            worst.put(k, reduced[i++]);
        }
        boolean pass = worst.values().stream().allMatch(e -> e <= tolerance);
        return new Report(worst, tolerance, pass);
    }

    private static void compareStep(HeadConfig config, Communicator comm, PartialFC head, int batch, int step, double lr,
            Map<String, Double> worst) {
        Placement at = config.placement();
        long total = (long) batch * comm.worldSize();
        GeneratorOptional gen = new GeneratorOptional(torch.createCPUGenerator(config.seed() * 7919 + step));
        Tensor x = torch.empty(new long[] {total, config.embDim()}, at.floats(), null).normal_(0, 1, gen);
        Tensor labels = torch.empty(new long[] {total}, at.longs(), null).random_(0, new org.bytedeco.pytorch.LongOptional(config.numClasses()), gen);
        ShardWeights sw = head.weights();
        // why widened: a bfloat16 head computes in the placement's dtype from its stored rows, so the reference runs on
        // exactly those values (widening is exact)
        Tensor w = Tensors.as(gatherShards(comm, head.shard(), sw.weight()), at.dtype());
        Tensor v = Tensors.as(gatherShards(comm, head.shard(), sw.momentum()), at.dtype());
        Tensor b = sw.bias() == null ? null : gatherShards(comm, head.shard(), sw.bias());
        Tensor vb = sw.bias() == null ? null : gatherShards(comm, head.shard(), sw.biasMomentum());

        long own = (long) comm.rank() * batch;
        HeadResult result = head.step(rows(x, own, batch), labels.narrow(0, own, batch), lr);
        long[] sampled = unionOfSampled(comm, head);
        SingleDeviceReference.Result ref = SingleDeviceReference.compute(config, x, labels, w, b, sampled);

        Tensor w2 = Tensors.as(gatherShards(comm, head.shard(), sw.weight()), at.dtype());
        Tensor v2 = Tensors.as(gatherShards(comm, head.shard(), sw.momentum()), at.dtype());
        Tensor touched = Tensors.longs(at, sampled != null ? sampled : java.util.stream.LongStream.range(0, config.numClasses()).toArray());
        Tensor untouched = torch.ones(new long[] {config.numClasses()}, at.longs()).index_fill_(0, touched, scalar(0)).nonzero().view(-1);

        double mu = config.momentum();
        double decay = config.weightDecay();
        // dW = v' − μ·v − λ·w on the rows this step used
        Tensor dw = v2.sub(v.mul(scalar(mu))).sub(w.mul(scalar(decay))).index_select(0, touched);
        raise(worst, "loss", Math.abs(result.loss() - ref.loss()) / Math.max(Math.abs(ref.loss()), 1e-30));
        raise(worst, "accuracy", Math.abs(result.accuracy() - ref.accuracy()));
        raise(worst, "dx", relative(result.embeddingGrad(), rows(ref.gradX(), own, batch)));
        raise(worst, "dw", relative(dw, ref.gradW().index_select(0, touched)));
        raise(worst, "update", relative(w2.index_select(0, touched), w.sub(v2.mul(scalar(lr))).index_select(0, touched)));
        double moved = Math.max(maxAbs(w2.index_select(0, untouched).sub(w.index_select(0, untouched))),
                maxAbs(v2.index_select(0, untouched).sub(v.index_select(0, untouched))));
        raise(worst, "untouched", moved);
        if (b != null) {
            Tensor vb2 = gatherShards(comm, head.shard(), sw.biasMomentum());
            Tensor db = vb2.sub(vb.mul(scalar(mu))).sub(b.mul(scalar(decay))).index_select(0, touched);
            raise(worst, "bias", relative(db, ref.gradBias().index_select(0, touched)));
        }
    }

    /** max|a − b| / max|b|. */
    public static double relative(Tensor actual, Tensor expected) {
        return maxAbs(actual.sub(expected)) / Math.max(maxAbs(expected), 1e-30);
    }

    private static void raise(Map<String, Double> worst, String key, double value) {
        worst.merge(key, Double.isNaN(value) ? Double.POSITIVE_INFINITY : value, Math::max);
    }

    /** The whole matrix from every rank's shard (rows padded to the largest shard for the all-gather). */
    public static Tensor gatherShards(Communicator comm, ClassShard shard, Tensor local) {
        long[] shape = Tensors.shape(local);
        shape[0] = shard.maxSize();
        Tensor padded = torch.zeros(shape, local.options());
        padded.narrow(0, 0, local.size(0)).copy_(local);
        Tensor all = comm.allGather(padded);
        List<Tensor> parts = new ArrayList<>();
        for (int r = 0; r < comm.worldSize(); r++) {
            ClassShard s = ClassShard.of(shard.numClasses(), comm.worldSize(), r);
            parts.add(all.narrow(0, r * shard.maxSize(), s.size()));
        }
        return Tensors.cat0(parts.toArray(new Tensor[0]));
    }

    private static long[] unionOfSampled(Communicator comm, PartialFC head) {
        long[] mine = head.lastSampledClasses();
        if (mine == null) {
            return null;
        }
        long[] padded = new long[(int) head.shard().maxSize()];
        Arrays.fill(padded, -1);
        System.arraycopy(mine, 0, padded, 0, mine.length);
        return Arrays.stream(Tensors.toLongArray(comm.allGather(Tensors.longs(Placement.CPU_FLOAT, padded)))).filter(c -> c >= 0).toArray();
    }
}
