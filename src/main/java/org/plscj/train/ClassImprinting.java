package org.plscj.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.plscj.checkpoint.Checkpoint.HeadState;
import org.plscj.comm.Communicator;
import org.plscj.data.ImageDecoder;
import org.plscj.data.PlscDataset;
import org.plscj.data.PlscRecord;
import org.plscj.eval.Embedder;
import org.plscj.head.ClassShard;
import org.plscj.model.Backbone;
import org.plscj.tensor.Placement;
import org.plscj.tensor.Tensors;

/**
 * {@code grow_init: mean} (weight imprinting): each new class's row of W starts as the L2-normalised mean of
 * its training images' embeddings under the loaded backbone, so fine-tuning on new identities starts with
 * centres that already point at them. Embeddings are insightface's {@code normalize(f(x) + f(mirror(x)))}.
 * Every worker reads the same records and embeds a slice ({@link Embedder} gathers them), so all see the same
 * centres and each keeps the rows of its own shard. A new class without images keeps its random row.
 */
final class ClassImprinting {
    private ClassImprinting() {}

    /**
     * @param grown        {@code shard}'s rows after growing (saved rows, then random rows for new classes)
     * @param savedClasses the checkpoint's class count: classes from here on are new
     * @return {@code grown} with each new class's weight row replaced by its mean embedding
     */
    static HeadState imprint(HeadState grown, ClassShard shard, long savedClasses, Path dataDir, Backbone backbone, Communicator comm,
            int batch) throws IOException {
        List<PlscRecord> images = new ArrayList<>();
        PlscDataset.open(dataDir).scan(new PlscDataset.ReadOptions(Math.toIntExact(shard.numClasses()), false), (record, text) -> {
            if (record.label() >= savedClasses) {
                images.add(record);
            }
        });
        if (images.isEmpty()) {
            return grown;
        }
        ImageDecoder decoder = ImageDecoder.plsc();
        double[][] embeddings = new Embedder(backbone, batch, Placement.CPU_FLOAT, comm)
                .embed(images.size(), (i, out, offset) -> decoder.decodeInto(images.get(i), false, out, offset)).embeddings();
        double[][] sums = new double[Math.toIntExact(shard.numClasses() - savedClasses)][];
        for (int i = 0; i < embeddings.length; i++) {
            int c = Math.toIntExact(images.get(i).label() - savedClasses);
            sums[c] = sums[c] == null ? embeddings[i].clone() : add(sums[c], embeddings[i]);
        }
        Tensor weight = grown.weight().clone();
        long end = shard.start() + shard.size();
        for (long c = Math.max(shard.start(), savedClasses); c < end; c++) {
            double[] sum = sums[Math.toIntExact(c - savedClasses)];
            if (sum != null) {
                Tensors.rows(weight, c - shard.start(), 1).copy_(Tensors.doubles(normalised(sum), 1, sum.length));
            }
        }
        return new HeadState(weight, grown.momentum(), grown.bias(), grown.biasMomentum(), grown.secondMoment(), grown.biasSecondMoment());
    }

    private static double[] add(double[] sum, double[] v) {
        for (int k = 0; k < sum.length; k++) {
            sum[k] += v[k];
        }
        return sum;
    }

    private static double[] normalised(double[] v) {
        double norm = 0;
        for (double x : v) {
            norm += x * x;
        }
        double scale = 1 / Math.sqrt(norm);
        double[] out = new double[v.length];
        for (int k = 0; k < v.length; k++) {
            out[k] = v[k] * scale;
        }
        return out;
    }
}
