package org.plscj.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.plscj.comm.Communicator;
import org.plscj.data.BatchTensor;
import org.plscj.data.ImageDecoder;
import org.plscj.data.PlscFormatException;
import org.plscj.model.Backbone;
import org.plscj.progress.Progress;
import org.plscj.tensor.Native;
import org.plscj.tensor.Placement;
import org.plscj.tensor.Scoped;
import org.plscj.tensor.Tensors;

/**
 * Embeds images for evaluation the way insightface's {@code verification.py test()} does: each image
 * x and its horizontal mirror are run through the backbone in evaluation mode without autograd, and
 * the image's embedding is {@code normalize(f(x) + f(mirror(x)))}. Like insightface the sum and the
 * normalisation are done in double precision on the float32 network outputs.
 *
 * <p>With W ranks, rank r embeds the contiguous block of images given by {@link RankSlice}; one
 * all-gather at the end gives every rank all raw outputs in the original order. The backbone must
 * therefore hold the same weights on every rank, and {@link #embed} must be called by every rank.
 * Only that one collective is issued, so ranks with fewer real images (padding) run fewer batches.
 * An image that fails to decode fails its rank at once; the other ranks then fail in the all-gather
 * (a {@link org.plscj.comm.CommunicationException} once the peer is gone or the timeout passes) — unless bad images
 * are skipped ({@link #embed(int, ImageSource, boolean)}): each rank then flags its bad images in the gathered rows,
 * so every rank learns which were skipped.
 *
 * <p>Memory: per image 2·D gathered floats, D doubles (the embedding) and D floats (the flip sum, kept for
 * {@code --features-out}); 12 MiB per 1,000 images at D = 512. Native memory: one {@link org.plscj.tensor.Scoped scope}
 * per batch; everything returned lives in Java arrays.
 */
public final class Embedder {
    private final Backbone backbone; // null when embedding through a FaceModel
    private final FaceModel model; // null when embedding through a backbone
    private final int batchSize;
    private final Placement placement;
    private final Communicator communicator;
    private final Progress progress;

    /**
     * @param placement where the backbone lives; batches are copied there
     * @param communicator the ranks sharing the work ({@link Communicator#single()} for one process)
     */
    public Embedder(Backbone backbone, int batchSize, Placement placement, Communicator communicator) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        this.backbone = backbone;
        this.model = null;
        this.batchSize = batchSize;
        this.placement = placement;
        this.communicator = communicator;
        this.progress = Progress.quiet();
    }

    /**
     * Embeds through any {@link FaceModel} (an ONNX file, a bundle's engine) on the CPU: the mirror is made on the
     * decoded pixels, which is what the backbone path's flip of the batch does.
     */
    public Embedder(FaceModel model, int batchSize, Communicator communicator) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        this.backbone = null;
        this.model = model;
        this.batchSize = batchSize;
        this.placement = Placement.CPU_FLOAT;
        this.communicator = communicator;
        this.progress = Progress.quiet();
    }

    private Embedder(Embedder other, Progress progress) {
        this.backbone = other.backbone;
        this.model = other.model;
        this.batchSize = other.batchSize;
        this.placement = other.placement;
        this.communicator = other.communicator;
        this.progress = progress;
    }

    /** This embedder, reporting the images of this rank's share embedded to {@code progress}. */
    public Embedder reporting(Progress progress) {
        return new Embedder(this, progress);
    }

    /** One process, backbone on the CPU in float32. */
    public Embedder(Backbone backbone, int batchSize) {
        this(backbone, batchSize, Placement.CPU_FLOAT, Communicator.single());
    }

    /** Decodes image {@code index} (not mirrored) into {@code out} from {@code offset}, 3·112·112 floats CHW. */
    @FunctionalInterface
    public interface ImageSource {
        void decodeInto(int index, float[] out, int offset);
    }

    /**
     * What {@link #embed} returns.
     *
     * @param embeddings one L2-normalised row per image, {@code normalize(f(x) + f(mirror(x)))}; null for a skipped image
     * @param xnorm insightface's XNorm: the mean L2 norm of the raw outputs f(x) and f(mirror(x)),
     *     taken over all 2·count of them separately (before summing), as {@code verification.py} does; skipped images
     *     left out
     * @param features per image the flip sum {@code f(x) + f(mirror(x))} in float32, before normalisation; null when skipped
     * @param skipped the images that did not decode, ascending (empty unless bad images are skipped)
     */
    public record Embeddings(double[][] embeddings, double xnorm, float[][] features, int[] skipped) {}

    /** Embeds images {@code 0 .. count-1} of {@code source}; every rank must call this with the same count. */
    public Embeddings embed(int count, ImageSource source) {
        return embed(count, source, false);
    }

    /**
     * As {@link #embed(int, ImageSource)}; with {@code skipBad} an image whose decoding throws
     * {@link PlscFormatException} is skipped (see {@link Embeddings#skipped}) instead of failing the rank.
     */
    public Embeddings embed(int count, ImageSource source, boolean skipBad) {
        if (count <= 0) {
            throw new IllegalArgumentException("nothing to embed: count is " + count);
        }
        Native.load();
        RankSlice slice = new RankSlice(count, communicator.worldSize(), communicator.rank());
        int dim = backbone != null ? backbone.embDim() : model.embDim();
        // per slot: f(x) in columns [0, dim), f(mirror(x)) in [dim, 2·dim), then 1 when the image was skipped; padding 0
        int width = 2 * dim + 1;
        float[] local = new float[Math.multiplyExact(slice.padded(), width)];
        boolean wasTraining = backbone != null && backbone.is_training();
        if (backbone != null) {
            backbone.eval();
        }
        try (Progress.Task task = progress.start("embed", slice.size(), Progress.Unit.IMAGES)) {
            for (int done = 0; done < slice.size(); done += batchSize) {
                int batch = Math.min(batchSize, slice.size() - done);
                embedBatch(source, slice.start() + done, batch, skipBad, local, done * width);
                task.advance(batch);
            }
        } finally {
            if (backbone != null) {
                backbone.train(wasTraining);
            }
        }
        // all ranks' blocks in rank order: (world · padded) rows of 2·dim + 1 floats
        return combine(gatherRows(communicator, placement, local, width), count, dim);
    }

    // Writes f(x), f(mirror(x)) and the skip flag of images [first, first + batch) as rows of 2·dim + 1 floats from offset;
    // a skipped image's pixels stay 0 (its outputs are computed with the batch's and ignored).
    private void embedBatch(ImageSource source, int first, int batch, boolean skipBad, float[] out, int offset) {
        int sample = ImageDecoder.CHANNELS * ImageDecoder.PLSC_SIZE * ImageDecoder.PLSC_SIZE;
        int dim = backbone != null ? backbone.embDim() : model.embDim();
        float[] pixels = new float[batch * sample];
        float[] outputs = new float[batch * 2 * dim];
        boolean[] bad = new boolean[batch];
        for (int i = 0; i < batch; i++) {
            try {
                source.decodeInto(first + i, pixels, i * sample);
            } catch (PlscFormatException e) {
                if (!skipBad) {
                    throw e;
                }
                bad[i] = true;
                Arrays.fill(pixels, i * sample, (i + 1) * sample, 0f);
            }
        }
        embedPixels(pixels, batch, first, outputs);
        for (int i = 0; i < batch; i++) {
            int at = offset + i * (2 * dim + 1);
            System.arraycopy(outputs, i * 2 * dim, out, at, 2 * dim);
            out[at + 2 * dim] = bad[i] ? 1f : 0f;
        }
    }

    // f(x) and f(mirror(x)) of the batch as rows of 2·dim floats
    private void embedPixels(float[] pixels, int batch, int first, float[] out) {
        if (model != null) {
            embedThroughModel(pixels, batch, first, out);
            return;
        }
        Scoped.run(() -> {
            try (NoGradGuard noGrad = new NoGradGuard()) {
                Tensor images = BatchTensor.of(pixels, batch, ImageDecoder.PLSC_SIZE, ImageDecoder.PLSC_SIZE, placement);
                Tensor plain = checkShape(backbone.forward(images), batch, first);
                Tensor mirrored = checkShape(backbone.forward(images.flip(3)), batch, first);
                // why float32 buffers: a float32 (or lower) backbone's outputs lose nothing, and they are gathered as they are
                Tensors.copyInto(torch.cat(new TensorVector(plain, mirrored), 1), out, 0);
            }
        });
    }

    private void embedThroughModel(float[] pixels, int batch, int first, float[] out) {
        int dim = model.embDim();
        float[][] plain = model.embed(pixels, batch);
        float[][] mirrored = model.embed(mirror(pixels, batch), batch);
        for (int i = 0; i < batch; i++) {
            if (plain[i].length != dim || mirrored[i].length != dim) {
                throw new IllegalStateException("the model returned " + plain[i].length + " values for image " + (first + i)
                        + ", expected " + dim);
            }
            System.arraycopy(plain[i], 0, out, i * 2 * dim, dim);
            System.arraycopy(mirrored[i], 0, out, i * 2 * dim + dim, dim);
        }
    }

    // Each image's rows reversed, as torch.flip(images, 3) on [batch, 3, H, W]
    private static float[] mirror(float[] pixels, int batch) {
        int side = ImageDecoder.PLSC_SIZE;
        float[] out = new float[pixels.length];
        for (int row = 0; row < batch * ImageDecoder.CHANNELS * side; row++) {
            for (int x = 0; x < side; x++) {
                out[row * side + x] = pixels[row * side + side - 1 - x];
            }
        }
        return out;
    }

    private Tensor checkShape(Tensor output, int batch, int first) {
        long[] shape = Tensors.shape(output);
        if (shape.length != 2 || shape[0] != batch || shape[1] != backbone.embDim()) {
            throw new IllegalStateException(backbone.modelName() + " returned shape " + Arrays.toString(shape)
                    + " for the batch of images " + first + ".." + (first + batch - 1) + ", expected ["
                    + batch + ", " + backbone.embDim() + "]");
        }
        return output;
    }


    /**
     * Every rank's {@code local} rows of {@code width} floats (all ranks the same count), concatenated in rank
     * order; one all-gather, through {@code placement}'s device (NCCL gathers only device tensors). A collective.
     */
    public static float[] gatherRows(Communicator communicator, Placement placement, float[] local, int width) {
        if (communicator.worldSize() == 1) {
            return local;
        }
        return Scoped.compute(() -> {
            Tensor mine = Tensors.floats(local, local.length / width, width);
            Tensor all = communicator.allGather(placement.isCpu() ? mine : mine.to(placement.floats(), false, false, null));
            float[] out = new float[Math.multiplyExact(local.length, communicator.worldSize())];
            Tensors.copyInto(all, out, 0);
            return out;
        });
    }

    // The first count rows of the gathered matrix are the images in order (RankSlice): sum, normalise, XNorm.
    private static Embeddings combine(float[] raw, int count, int dim) {
        double[][] embeddings = new double[count][];
        float[][] features = new float[count][];
        List<Integer> skipped = new ArrayList<>();
        double norms = 0;
        for (int i = 0; i < count; i++) {
            int plain = i * (2 * dim + 1);
            int mirrored = plain + dim;
            if (raw[plain + 2 * dim] != 0f) {
                skipped.add(i);
                continue;
            }
            norms += norm(raw, plain, dim) + norm(raw, mirrored, dim);
            embeddings[i] = new double[dim];
            features[i] = new float[dim];
            for (int j = 0; j < dim; j++) {
                embeddings[i][j] = (double) raw[plain + j] + raw[mirrored + j];
                // why the same value: the double sum of two floats is exact, so its float is float32's own sum
                features[i][j] = (float) embeddings[i][j];
            }
            normaliseInPlace(embeddings[i]);
        }
        int scored = count - skipped.size();
        return new Embeddings(embeddings, scored == 0 ? Double.NaN : norms / (2.0 * scored), features,
                skipped.stream().mapToInt(Integer::intValue).toArray());
    }

    private static double norm(float[] v, int from, int length) {
        double squares = 0;
        for (int j = from; j < from + length; j++) {
            squares += (double) v[j] * v[j];
        }
        return Math.sqrt(squares);
    }

    // sklearn.preprocessing.normalize: divide by the L2 norm, leaving an all-zero row as it is
    private static void normaliseInPlace(double[] row) {
        double squares = 0;
        for (double x : row) {
            squares += x * x;
        }
        double n = Math.sqrt(squares);
        if (n == 0) {
            return;
        }
        for (int j = 0; j < row.length; j++) {
            row[j] /= n;
        }
    }
}
