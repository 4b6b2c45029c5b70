package org.plscj.eval.ijb;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * Template features as eval_ijbc.py's Step 3 and {@code image2template_feature} compute them:
 * <pre>
 *   w_i        = f_i (N1) or f_i / |f_i| (N0),  then · faceness_i (D1)          per image, float32 as there
 *   media m    = mean of w_i over the template's images of media m
 *   template t = normalize( Σ over the template's media of media m )
 * </pre>
 * The templates are the meta file's template ids, ascending ({@code np.unique}). A template whose images were all
 * skipped has no feature ({@link #feature} null): its pairs stay unscored.
 *
 * <p>Memory: one double row per template, an int index per image while pooling.
 *
 * @param ids the template ids, ascending
 * @param features one L2-normalised row per template (null: no image of it was embedded)
 */
public record TemplateFeatures(int[] ids, double[][] features) {

    /**
     * Pools image features into templates.
     *
     * @param images one feature per image of the meta file (after the flip sum; null: the image was skipped)
     * @param faceness the landmark file's score per image, as float32
     * @param templates the template id per image
     * @param medias the media id per image
     */
    public static TemplateFeatures pool(float[][] images, float[] faceness, int[] templates, int[] medias, FeatureModes modes) {
        int n = images.length;
        if (faceness.length != n || templates.length != n || medias.length != n) {
            throw new IllegalArgumentException("per-image arrays differ in length: " + n + " features, " + faceness.length
                    + " scores, " + templates.length + " template ids, " + medias.length + " media ids");
        }
        int[] ids = IntStream.of(templates).distinct().sorted().toArray();
        double[][] features = new double[ids.length][];
        Integer[] order = IntStream.range(0, n).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.<Integer>comparingInt(i -> templates[i]).thenComparingInt(i -> medias[i]));
        int t = 0;
        for (int start = 0; start < n; ) {
            int end = start;
            while (end < n && templates[order[end]] == templates[order[start]]) {
                end++;
            }
            while (ids[t] != templates[order[start]]) {
                t++;
            }
            features[t] = template(images, faceness, medias, order, start, end, modes);
            start = end;
        }
        return new TemplateFeatures(ids, features);
    }

    // Σ over media of the mean of its weighted images, normalised; null when every image is skipped
    private static double[] template(float[][] images, float[] faceness, int[] medias, Integer[] order, int from, int to,
            FeatureModes modes) {
        double[] sum = null;
        for (int start = from; start < to; ) {
            int end = start;
            while (end < to && medias[order[end]] == medias[order[start]]) {
                end++;
            }
            double[] media = null;
            int count = 0;
            for (int k = start; k < end; k++) {
                int i = order[k];
                if (images[i] == null) {
                    continue;
                }
                float[] w = weighted(images[i], faceness[i], modes);
                media = media == null ? new double[w.length] : media;
                for (int j = 0; j < w.length; j++) {
                    media[j] += w[j];
                }
                count++;
            }
            if (media != null) {
                sum = sum == null ? new double[media.length] : sum;
                for (int j = 0; j < media.length; j++) {
                    sum[j] += media[j] / count;
                }
            }
            start = end;
        }
        return sum == null ? null : normalised(sum);
    }

    // in float32 like the script, whose img_feats and faceness_scores are float32 arrays
    private static float[] weighted(float[] f, float faceness, FeatureModes modes) {
        float[] w = f.clone();
        if (!modes.normScore()) {
            float squares = 0;
            for (float x : w) {
                squares += x * x;
            }
            float norm = (float) Math.sqrt(squares);
            for (int j = 0; j < w.length; j++) {
                w[j] /= norm;
            }
        }
        if (modes.detectorScore()) {
            for (int j = 0; j < w.length; j++) {
                w[j] *= faceness;
            }
        }
        return w;
    }

    // sklearn.preprocessing.normalize: a zero row stays zero
    private static double[] normalised(double[] v) {
        double squares = 0;
        for (double x : v) {
            squares += x * x;
        }
        double norm = Math.sqrt(squares);
        if (norm > 0) {
            for (int j = 0; j < v.length; j++) {
                v[j] /= norm;
            }
        }
        return v;
    }

    /** The feature of template {@code id}; null when it has none. */
    public double[] feature(int id) {
        int t = Arrays.binarySearch(ids, id);
        return t < 0 ? null : features[t];
    }

    /**
     * eval_ijbc.py's {@code verification}: per pair the dot product of its two templates (their cosine, both being
     * unit vectors), NaN when either template has no feature. Pair by pair, so no block of pair features is held.
     */
    public double[] score(int[] first, int[] second) {
        double[] scores = new double[first.length];
        for (int p = 0; p < scores.length; p++) {
            double[] a = feature(first[p]);
            double[] b = feature(second[p]);
            if (a == null || b == null) {
                scores[p] = Double.NaN;
                continue;
            }
            double dot = 0;
            for (int j = 0; j < a.length; j++) {
                dot += a[j] * b[j];
            }
            scores[p] = dot;
        }
        return scores;
    }
}
