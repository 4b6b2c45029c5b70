package org.plscj.model;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * A network that maps face-sized images to embeddings: PLSC's {@code build_network(input, is_train)}.
 *
 * <p>Input: images [B, 3, 112, 112], normalised as the data loader produces them ((x − 127.5)/128).
 * Output: embeddings [B, {@link #embDim()}] (not normalised: the head normalises for margin losses).
 * Training or evaluation mode is the module's ({@code train(true)} / {@code eval()}): BatchNorm and
 * dropout follow it, as {@code is_train} does in PLSC.
 *
 * <p>A custom backbone extends this class, registers its layers with {@code register_module} (so
 * the trainer sees their parameters and buffers, all-reduces the gradients and checkpoints them) and
 * implements {@link #forward}:
 *
 * <pre>{@code
 * public final class TinyNet extends Backbone {
 *     private final LinearImpl fc;
 *     public TinyNet(int embDim) {
 *         super("TinyNet", embDim);
 *         fc = register_module("fc", new LinearImpl(3 * 112 * 112, embDim));
 *     }
 *     public Tensor forward(Tensor images) {
 *         return fc.forward(images.flatten(1, -1));
 *     }
 * }
 * }</pre>
 *
 * Name it in the config ({@code model_name: com.acme.TinyNet}); it needs a public constructor taking
 * the embedding size ({@code int embDim}). See {@link Backbones}.
 */
public abstract class Backbone extends Module {
    private final String modelName;
    private final int embDim;

    protected Backbone(String modelName, int embDim) {
        super(modelName);
        if (embDim <= 0) {
            throw new IllegalArgumentException("emb_dim must be positive, got " + embDim);
        }
        this.modelName = modelName;
        this.embDim = embDim;
    }

    /** Embeddings [B, embDim] of images [B, 3, 112, 112]. */
    public abstract Tensor forward(Tensor images);

    /**
     * {@link #forward(Tensor)}, showing {@code observer} each layer's output in the order the layers run: the trainer
     * uses it to name the first layer whose output is not finite. Built-in backbones implement it (their plain forward
     * is this one with {@link LayerObserver#NONE}); a custom backbone that wants its layers named overrides it.
     *
     * @throws UnsupportedOperationException for a backbone that does not expose its layers
     */
    public Tensor forward(Tensor images, LayerObserver observer) {
        throw new UnsupportedOperationException("the layers of " + modelName + " are not exposed: its class "
                + getClass().getName() + " does not override Backbone.forward(Tensor, LayerObserver)");
    }

    /**
     * Records the eval-mode forward pass in {@code g}, from the value named {@code images}; returns
     * the embeddings' name. Built-in backbones implement it (for the ONNX export); a custom backbone
     * that wants to be exported overrides it.
     *
     * @throws UnsupportedOperationException for a backbone that does not describe its graph
     */
    public String exportTo(LayerGraph g, String images) {
        throw new UnsupportedOperationException(modelName + " cannot be exported: its class " + getClass().getName()
                + " does not override Backbone.exportTo(LayerGraph, String)");
    }

    /** The name this backbone is built by (a built-in name or the custom class's name). */
    public final String modelName() {
        return modelName;
    }

    public final int embDim() {
        return embDim;
    }
}
