package org.plscj.eval;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.plscj.data.ImageDecoder;
import org.plscj.data.PlscFormatException;

/**
 * Scores a backbone on an insightface verification set ({@code lfw.bin}, ...): decodes the images
 * (112 × 112, (x − 127.5)/128, other sizes rejected), embeds them with flip-sum
 * ({@link Embedder}) and evaluates the pairs with {@link VerificationMetrics}. With several ranks
 * every rank must call {@link #evaluate} on the same set; every rank gets the full report.
 */
public final class VerificationEvaluator {
    /** Receives a target's per-image features as it is scored: the flip sums before normalisation, in the set's order. */
    @FunctionalInterface
    public interface FeatureSink {
        void accept(String target, float[][] features) throws IOException;
    }

    private final Embedder embedder;
    private final boolean skipBad;
    private final FeatureSink features;
    private final ImageDecoder decoder = ImageDecoder.plsc();

    /** Every image must decode; features are not kept. */
    public VerificationEvaluator(Embedder embedder) {
        this(embedder, false, (target, f) -> { });
    }

    /**
     * @param skipBad an image that does not decode is counted and named in the report, and its pairs are left out of the
     *                metrics (reported as unscored) instead of failing the evaluation
     * @param features receives each target's features (a skipped image's row is null)
     */
    public VerificationEvaluator(Embedder embedder, boolean skipBad, FeatureSink features) {
        this.embedder = embedder;
        this.skipBad = skipBad;
        this.features = features;
    }

    /** Reads {@code binFile} and evaluates it; the target is named after the file ({@code lfw.bin} → {@code lfw}). */
    public VerificationReport evaluate(Path binFile) throws IOException {
        return evaluate(targetName(binFile), binFile, VerificationSet.read(binFile));
    }

    /**
     * Evaluates an already-read set.
     *
     * @param source the file the set came from, named in errors
     * @throws org.plscj.data.PlscFormatException naming {@code source} and the image index when an
     *     image does not decode or is not 112 × 112 (unless bad images are skipped)
     * @throws IllegalArgumentException when skipping left no pair to score
     */
    public VerificationReport evaluate(String target, Path source, VerificationSet set) throws IOException {
        Embedder.Embeddings embedded = embedder.embed(set.images().size(), (index, out, offset) -> decodeInto(set, source, index, out, offset),
                skipBad);
        features.accept(target, embedded.features());
        if (embedded.skipped().length == 0) {
            VerificationMetrics.Result metrics = VerificationMetrics.evaluate(embedded.embeddings(), set.issame());
            return VerificationReport.of(target, metrics, embedded.xnorm(), List.of(), 0);
        }
        List<String> skipped = new ArrayList<>();
        for (int image : embedded.skipped()) {
            skipped.add(whyBad(set, source, image));
        }
        // pair k is images 2k and 2k+1: a pair with a skipped image is left out, the others keep their order
        List<double[]> kept = new ArrayList<>();
        List<Boolean> same = new ArrayList<>();
        for (int k = 0; k < set.issame().length; k++) {
            double[] a = embedded.embeddings()[2 * k];
            double[] b = embedded.embeddings()[2 * k + 1];
            if (a != null && b != null) {
                kept.add(a);
                kept.add(b);
                same.add(set.issame()[k]);
            }
        }
        int unscored = set.issame().length - same.size();
        if (same.isEmpty()) {
            throw new IllegalArgumentException(source + ": no pair left to score: " + skipped.size() + " images did not decode, the first: "
                    + skipped.get(0));
        }
        boolean[] issame = new boolean[same.size()];
        for (int k = 0; k < issame.length; k++) {
            issame[k] = same.get(k);
        }
        VerificationMetrics.Result metrics = VerificationMetrics.evaluate(kept.toArray(new double[0][]), issame);
        return VerificationReport.of(target, metrics, embedded.xnorm(), skipped, unscored);
    }

    private void decodeInto(VerificationSet set, Path source, int index, float[] out, int offset) {
        decoder.decodeInto(set.images().get(index), source + " image " + index, false, out, offset);
    }

    // The decoder's own words for a skipped image (decoding it again: only bad images come here)
    private String whyBad(VerificationSet set, Path source, int image) {
        try {
            decodeInto(set, source, image, new float[decoder.sampleSize()], 0);
            return source + " image " + image + ": did not decode";
        } catch (PlscFormatException e) {
            return e.getMessage();
        }
    }

    static String targetName(Path binFile) {
        String name = binFile.getFileName().toString();
        return name.endsWith(".bin") ? name.substring(0, name.length() - ".bin".length()) : name;
    }
}
