package org.plscj.train;

import java.util.Locale;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.plscj.model.Backbone;
import org.plscj.model.LayerObserver;
import org.plscj.tensor.Tensors;

/**
 * Names the layer where a worker's embeddings stopped being finite: its backbone's forward runs again on the same
 * batch, in the same precision and training mode, without autograd, and each layer's output is checked in the order
 * the layers run. Only a step that already failed pays for it.
 *
 * <p>The re-run leaves no trace in training: a train-mode forward updates BatchNorm's running statistics, and
 * dropout, drop path and token masking draw from the random generator, so both are put back as they were (the copy is
 * exact: momentum 0 would not do, since 0 · NaN is NaN). The re-run draws its own dropout masks, so with dropout it
 * repeats the step's computation up to the masks.
 */
final class NonFiniteLayer {
    private NonFiniteLayer() {}

    /**
     * What the re-run found, as a clause for the step's message: the first layer whose output is not finite, that the
     * re-run was finite, or why no layer can be named.
     */
    static String locate(Backbone backbone, Tensor images, boolean bf16Autocast) {
        FirstNonFinite first = new FirstNonFinite();
        Tensor embeddings;
        Generator rng = torch.getDefaultCPUGenerator();
        Tensor rngState = rng.get_state();
        try (BufferSnapshot buffers = new BufferSnapshot(backbone); NoGradGuard noGrad = new NoGradGuard()) {
            try {
                embeddings = TrainStep.inPrecision(bf16Autocast, () -> backbone.forward(images, first));
            } catch (UnsupportedOperationException e) {
                return "the layer cannot be located for a custom backbone (class " + backbone.getClass().getName()
                        + "): it does not override Backbone.forward(Tensor, LayerObserver)";
            } finally {
                buffers.restore();
                rng.set_state(rngState);
            }
        }
        if (first.found != null) {
            return "first non-finite output: " + first.found;
        }
        if (Tensors.allFinite(embeddings)) {
            return "the backbone's forward run again on the same batch was finite (a non-deterministic NaN or Inf): no layer"
                    + " is named";
        }
        return "the layer cannot be located: every layer output the custom backbone (class " + backbone.getClass().getName()
                + ") shows is finite";
    }

    /** Remembers the first layer whose output is not finite; the later ones are not checked. */
    private static final class FirstNonFinite implements LayerObserver {
        private String found;

        @Override
        public void output(String name, String kind, Tensor input, Tensor output) {
            if (found != null || Tensors.allFinite(output)) {
                return;
            }
            found = name + " (" + kind + " " + features(input) + "→" + features(output) + ", " + precision(output) + ") — its input was "
                    + (Tensors.allFinite(input) ? "finite" : "not finite either");
        }

        /** The feature width: channels of [B, C, H, W], features of [B, F], token width of [B, L, D]. */
        private static long features(Tensor t) {
            return t.dim() == 3 ? t.size(2) : t.dim() >= 2 ? t.size(1) : t.numel();
        }

        private static String precision(Tensor t) {
            ScalarType type = Tensors.dtype(t);
            return type == ScalarType.BFloat16 ? "bf16" : type == ScalarType.Float ? "fp32" : type == ScalarType.Half ? "fp16"
                    : type.name().toLowerCase(Locale.ROOT);
        }
    }
}
