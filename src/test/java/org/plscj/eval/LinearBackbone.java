package org.plscj.eval;

import org.bytedeco.pytorch.Tensor;
import org.plscj.data.ImageDecoder;
import org.plscj.model.Backbone;

/**
 * A test backbone whose output is computable by hand: f(x) = W·flatten(x) with fixed weights
 * {@link #weight}(k, i), i indexing the CHW pixels. It records whether it ran in training mode.
 */
final class LinearBackbone extends Backbone {
    static final int PIXELS = ImageDecoder.CHANNELS * ImageDecoder.PLSC_SIZE * ImageDecoder.PLSC_SIZE;

    private final Tensor weights;
    private boolean sawTrainingMode;

    LinearBackbone(int embDim) {
        super("LinearBackbone", embDim);
        float[] w = new float[embDim * PIXELS];
        for (int k = 0; k < embDim; k++) {
            for (int i = 0; i < PIXELS; i++) {
                w[k * PIXELS + i] = weight(k, i);
            }
        }
        weights = Tensor.create(w, embDim, PIXELS);
    }

    /** A fixed, non-symmetric weight (so mirroring changes the output), exactly representable in float. */
    static float weight(int k, int i) {
        return ((i * (2 * k + 3) + 7 * k) % 17 - 8) / 64f;
    }

    @Override
    public Tensor forward(Tensor images) {
        sawTrainingMode |= is_training();
        return images.flatten(1, -1).matmul(weights.t());
    }

    boolean sawTrainingMode() {
        return sawTrainingMode;
    }
}
