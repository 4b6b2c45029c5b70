package org.plscj.testing;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.plscj.data.ImageDecoder;
import org.plscj.data.PlscDataset;
import org.plscj.data.PlscRecord;
import org.plscj.eval.Embedder;
import org.plscj.model.Backbone;

/** grow_init mean's expected rows, computed independently of train.ClassImprinting: one class at a time. */
public final class MeanEmbedding {
    private MeanEmbedding() {}

    /** The L2-normalised mean of the embeddings (Embedder's, flip-summed) of class {@code label}'s images in {@code data}. */
    public static double[] of(Path data, Backbone backbone, long label) throws IOException {
        List<PlscRecord> images = new ArrayList<>();
        PlscDataset.open(data).scan(PlscDataset.ReadOptions.strict(), (r, text) -> {
            if (r.label() == label) {
                images.add(r);
            }
        });
        ImageDecoder decoder = ImageDecoder.plsc();
        double[][] e = new Embedder(backbone, 3).embed(images.size(), (i, out, offset) -> decoder.decodeInto(images.get(i), false, out, offset))
                .embeddings();
        double[] mean = new double[e[0].length];
        for (double[] v : e) {
            for (int k = 0; k < mean.length; k++) {
                mean[k] += v[k];
            }
        }
        double norm = Math.sqrt(Arrays.stream(mean).map(x -> x * x).sum());
        return Arrays.stream(mean).map(x -> x / norm).toArray();
    }
}
