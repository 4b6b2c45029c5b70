package org.plscj.serve;

import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.plscj.model.Backbone;
import org.plscj.tensor.Scoped;

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
                Tensor x = torch.empty(n, 3, 112, 112);
                x.data_ptr_float().put(images, 0, n * PIXELS);
                Tensor e = backbone.forward(x).contiguous();
                float[] flat = new float[n * embDim()];
                e.data_ptr_float().get(flat);
                float[][] out = new float[n][embDim()];
                for (int i = 0; i < n; i++) {
                    System.arraycopy(flat, i * embDim(), out[i], 0, embDim());
                }
                return out;
            }
        });
    }
}
