package org.plscj.eval.ijb;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.plscj.comm.Communicator;
import org.plscj.eval.Embedder;
import org.plscj.eval.FaceModel;
import org.plscj.eval.RankSlice;
import org.plscj.progress.Progress;
import org.plscj.serve.NpyWriter;
import org.plscj.tensor.Placement;

/**
 * {@code plsc eval --ijb}: a model's IJB-B/C 1:1 verification as insightface's
 * {@code recognition/arcface_torch/eval_ijbc.py} computes it. Steps, as there:
 * <ol>
 *   <li>each image of the meta file aligned from its landmarks ({@link AlignedFaces}) and embedded, with its
 *       mirror when {@link FeatureModes#flip} (the two features summed) — the per-image features;</li>
 *   <li>norm / faceness weighting, media means, template sums, normalised ({@link TemplateFeatures});</li>
 *   <li>one score per line of the pair file, the dot product of its templates;</li>
 *   <li>the ROC and TAR at FAR 1e-6 … 1e-1 ({@link SklearnRoc}).</li>
 * </ol>
 * Streaming: the images go in chunks of {@code batch · world}; in each chunk every rank aligns and embeds its
 * {@link RankSlice} (one model call of at most {@code batch} images, twice that with the mirrors) and one
 * all-gather gives every rank the chunk's features. A collective: every rank calls {@link #evaluate} with the same
 * meta, and every rank gets the full result.
 *
 * <p>Bad images: without skip-bad an absent or undecodable image fails its rank naming the file and its landmark line
 * (the others then fail in the all-gather, as in {@link Embedder}); with skip-bad it is counted and named in the
 * report, and a template left without any image leaves its pairs unscored (NaN score, outside the ROC).
 *
 * <p>Memory: the per-image features as float32 [images, D] (1 GB for IJB-C's 469,375 images at D = 512), a
 * chunk's pixels (2 · batch · 150 KB) and the template features as doubles.
 */
public final class IjbEvaluation {
    private IjbEvaluation() {}

    /**
     * What the evaluation produced.
     *
     * @param features per image, the feature after the flip sum and before any normalisation or weighting (null: skipped)
     * @param scores one per pair line, in its order (NaN: unscored)
     */
    public record Result(IjbReport report, float[][] features, double[] scores) {
        /** The features as float32 [images, D] .npy in meta order, a skipped image's row NaN; atomic. */
        public void writeFeatures(Path file, int dim) throws IOException {
            NpyWriter.writeRows(file, features, dim);
        }

        /** The scores as float64 [pairs] .npy in pair-file order (eval_ijbc.py's {@code <target>.npy}), NaN unscored. */
        public void writeScores(Path file) throws IOException {
            NpyWriter.writeDoubles(file, scores);
        }
    }

    /**
     * Evaluates {@code model} on {@code meta}'s images and pairs.
     *
     * @param modelName names the model in the table and the JSON
     * @param batch images per model call on each rank
     * @param skipBad count absent or undecodable images instead of failing
     */
    public static Result evaluate(IjbMeta meta, FaceModel model, String modelName, FeatureModes modes, int batch, boolean skipBad,
            Communicator comm) {
        return evaluate(meta, model, modelName, modes, batch, skipBad, comm, Progress.quiet());
    }

    /** As above, reporting the images embedded (by all ranks) to {@code progress}. */
    public static Result evaluate(IjbMeta meta, FaceModel model, String modelName, FeatureModes modes, int batch, boolean skipBad,
            Communicator comm, Progress progress) {
        List<String> skipped = new ArrayList<>();
        float[][] features = embed(meta, model, modes, batch, skipBad, comm, skipped, progress);
        TemplateFeatures templates = TemplateFeatures.pool(features, meta.faceness(), meta.templates(), meta.medias(), modes);
        double[] scores = templates.score(meta.first(), meta.second());
        for (int p = 0; p < scores.length; p++) {
            if (meta.malformedPair(p)) {
                scores[p] = Double.NaN;
            }
        }
        SklearnRoc roc = SklearnRoc.of(scores, meta.positive());
        return new Result(IjbReport.of(meta, modelName, modes, skipped, templates, scores, roc), features, scores);
    }

    private static float[][] embed(IjbMeta meta, FaceModel model, FeatureModes modes, int batch, boolean skipBad, Communicator comm,
            List<String> skipped, Progress progress) {
        if (batch <= 0) {
            throw new IllegalArgumentException("batch must be positive, got " + batch);
        }
        int n = meta.images();
        AlignedFaces faces = new AlignedFaces(meta);
        float[][] features = new float[n][];
        int chunk = Math.multiplyExact(batch, comm.worldSize());
        try (Progress.Task task = progress.start("embed", n, Progress.Unit.IMAGES)) {
            for (int start = 0; start < n; start += chunk) {
                embedChunk(meta, faces, model, modes, start, Math.min(chunk, n - start), skipBad, comm, features, skipped);
                task.advance(Math.min(chunk, n - start));
            }
        }
        return features;
    }

    // Images [start, start + size) split among the ranks, gathered into features (or named in skipped) on every rank
    private static void embedChunk(IjbMeta meta, AlignedFaces faces, FaceModel model, FeatureModes modes, int start, int size,
            boolean skipBad, Communicator comm, float[][] features, List<String> skipped) {
        int dim = model.embDim();
        int width = dim + 1; // the feature, then the problem code
        RankSlice slice = new RankSlice(size, comm.worldSize(), comm.rank());
        float[] local = new float[slice.padded() * width];
        embedSlice(meta, faces, model, modes, start + slice.start(), slice.size(), skipBad, local, width);
        float[] all = Embedder.gatherRows(comm, Placement.CPU_FLOAT, local, width);
        for (int k = 0; k < slice.count(); k++) {
            int image = start + k;
            AlignedFaces.Problem problem = AlignedFaces.Problem.of(all[k * width + dim]);
            if (problem == AlignedFaces.Problem.NONE) {
                features[image] = Arrays.copyOfRange(all, k * width, k * width + dim);
            } else {
                skipped.add(problem == AlignedFaces.Problem.META ? meta.problem(image)
                        : meta.imageFile(image) + " (image of " + meta.landmarkLine(image) + "): "
                                + (problem == AlignedFaces.Problem.ABSENT ? "the image is absent" : "the image does not decode"));
            }
        }
    }

    // Rows [0, count) of out: images first .. first+count-1, each dim floats and its problem code
    private static void embedSlice(IjbMeta meta, AlignedFaces faces, FaceModel model, FeatureModes modes, int first, int count,
            boolean skipBad, float[] out, int width) {
        int copies = modes.flip() ? 2 : 1;
        float[] pixels = new float[count * copies * AlignedFaces.SAMPLE];
        int[] rows = new int[count];
        int good = 0;
        for (int k = 0; k < count; k++) {
            int image = first + k;
            AlignedFaces.Problem problem = AlignedFaces.Problem.NONE;
            if (meta.problem(image) != null) {
                problem = AlignedFaces.Problem.META;
            } else {
                try {
                    faces.alignInto(image, pixels, good * copies * AlignedFaces.SAMPLE,
                            modes.flip() ? (good * copies + 1) * AlignedFaces.SAMPLE : -1);
                } catch (AlignedFaces.BadImage e) {
                    if (!skipBad) {
                        throw e;
                    }
                    problem = e.problem;
                }
            }
            out[k * width + width - 1] = problem.ordinal();
            if (problem == AlignedFaces.Problem.NONE) {
                rows[good++] = k;
            }
        }
        if (good == 0) {
            return;
        }
        float[][] embedded = model.embed(pixels, good * copies);
        int dim = width - 1;
        for (int g = 0; g < good; g++) {
            float[] plain = embedded[g * copies];
            checkDim(plain, dim);
            int at = rows[g] * width;
            for (int j = 0; j < dim; j++) {
                // F1: f(x) + f(mirror(x)) in float32, as the script adds its float32 halves
                out[at + j] = modes.flip() ? plain[j] + embedded[g * copies + 1][j] : plain[j];
            }
        }
    }

    private static void checkDim(float[] feature, int dim) {
        if (feature.length != dim) {
            throw new IllegalStateException("the model gave a feature of " + feature.length + " values, its embDim is " + dim);
        }
    }
}
