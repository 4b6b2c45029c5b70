package org.plscj.serve;

import org.bytedeco.pytorch.NoGradGuard;
import org.plscj.model.Backbone;
import org.plscj.tensor.Scoped;
import org.plscj.tensor.Tensors;

/** Runs one of our backbones in eval mode on libtorch. */
public final class TorchEngine implements EmbeddingEngine {
    private static final int PIXELS = 3 * 112 * 112;
    private final Backbone backbone;

    public TorchEngine(Backbone backbone) {
        this.backbone = backbone;
        backbone.eval();
    }

    @Override
    public int embDim() {
        return backbone.embDim();
    }

    @Override
    public float[][] embed(float[] images, int n) {
        // why a scope: every request batch would otherwise leave its native tensors to the GC (STACK.md)
        return Scoped.compute(() -> {
            try (NoGradGuard noGrad = new NoGradGuard()) {
                float[] flat = Tensors.toFloatArray(backbone.forward(Tensors.floats(images, n, 3, 112, 112)));
                float[][] out = new float[n][embDim()];
                for (int i = 0; i < n; i++) {
                    System.arraycopy(flat, i * embDim(), out[i], 0, embDim());
                }
                return out;
            }
        });
    }
}
