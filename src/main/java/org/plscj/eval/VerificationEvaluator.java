package org.plscj.eval;

import java.io.IOException;
import java.nio.file.Path;
import org.plscj.data.ImageDecoder;

/**
 * Scores a backbone on an insightface verification set ({@code lfw.bin}, ...): decodes the images
 * (112 × 112, (x − 127.5)/128, other sizes rejected), embeds them with flip-sum
 * ({@link Embedder}) and evaluates the pairs with {@link VerificationMetrics}. With several ranks
 * every rank must call {@link #evaluate} on the same set; every rank gets the full report.
 */
public final class VerificationEvaluator {
    private final Embedder embedder;
    private final ImageDecoder decoder = ImageDecoder.plsc();

    public VerificationEvaluator(Embedder embedder) {
        this.embedder = embedder;
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
     *     image does not decode or is not 112 × 112
     */
    public VerificationReport evaluate(String target, Path source, VerificationSet set) {
        Embedder.Embeddings embedded = embedder.embed(set.images().size(),
                (index, out, offset) -> decoder.decodeInto(set.images().get(index), source + " image " + index, false,
                        out, offset));
        VerificationMetrics.Result metrics = VerificationMetrics.evaluate(embedded.embeddings(), set.issame());
        return VerificationReport.of(target, metrics, embedded.xnorm());
    }

    static String targetName(Path binFile) {
        String name = binFile.getFileName().toString();
        return name.endsWith(".bin") ? name.substring(0, name.length() - ".bin".length()) : name;
    }
}
