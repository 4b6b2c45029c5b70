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
 * centres that already point at them: the classes a grown checkpoint adds, or every class of a fresh head on a
 * pretrained backbone. Embeddings are insightface's {@code normalize(f(x) + f(mirror(x)))}.
 * Every worker reads the same records and embeds a slice ({@link Embedder} gathers them), so all see the same
 * centres and each keeps the rows of its own shard. A new class without images keeps its random row.
 *
 * <p>Memory: at most {@value #CHUNK} records and their embeddings at a time, and one running sum of D doubles per
 * new class of this worker's shard that has images.
 */
final class ClassImprinting {
    /** Records embedded per collective pass. */
    private static final int CHUNK = 4096;

    private ClassImprinting() {}

    /**
     * @param grown        {@code shard}'s rows after growing (saved rows, then random rows for new classes), or a fresh head's
     * @param savedClasses the checkpoint's class count: classes from here on are new (0: all, a fresh head)
     * @return {@code grown} with each new class's weight row replaced by its mean embedding
     */
    static HeadState imprint(HeadState grown, ClassShard shard, long savedClasses, Path dataDir, Backbone backbone, Communicator comm,
            int batch) throws IOException {
        long first = Math.max(shard.start(), savedClasses);
        long end = shard.start() + shard.size();
        double[][] sums = new double[Math.toIntExact(Math.max(0, end - first))][];
        Embedder embedder = new Embedder(backbone, batch, Placement.CPU_FLOAT, comm);
        ImageDecoder decoder = ImageDecoder.plsc();
        List<PlscRecord> pending = new ArrayList<>();
        PlscDataset.open(dataDir).scan(new PlscDataset.ReadOptions(Math.toIntExact(shard.numClasses()), false), (record, text) -> {
            if (record.label() >= savedClasses) {
                pending.add(record);
                if (pending.size() == CHUNK) {
                    addEmbeddings(pending, embedder, decoder, sums, first);
                }
            }
        });
        addEmbeddings(pending, embedder, decoder, sums, first);
        Tensor weight = grown.weight().clone();
        for (int c = 0; c < sums.length; c++) {
            if (sums[c] != null) {
                Tensors.rows(weight, first + c - shard.start(), 1).copy_(Tensors.doubles(normalised(sums[c]), 1, sums[c].length));
            }
        }
        return new HeadState(weight, grown.momentum(), grown.bias(), grown.biasMomentum(), grown.secondMoment(), grown.biasSecondMoment());
    }

    /**
     * Embeds {@code pending} (every worker calls this with the same records: the embedding is collective), adds each
     * embedding to its class's sum when the class is one of {@code sums}' ([first, first + sums.length)), and empties it.
     */
    private static void addEmbeddings(List<PlscRecord> pending, Embedder embedder, ImageDecoder decoder, double[][] sums, long first) {
        if (pending.isEmpty()) {
            return;
        }
        double[][] embeddings = embedder.embed(pending.size(), (i, out, offset) -> decoder.decodeInto(pending.get(i), false, out, offset))
                .embeddings();
        for (int i = 0; i < embeddings.length; i++) {
            long c = pending.get(i).label() - first;
            if (c >= 0 && c < sums.length) {
                int k = (int) c;
                sums[k] = sums[k] == null ? embeddings[i].clone() : add(sums[k], embeddings[i]);
            }
        }
        pending.clear();
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
