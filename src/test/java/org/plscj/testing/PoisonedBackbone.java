package org.plscj.testing;

import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.bytedeco.pytorch.BatchNorm1dImpl;
import org.bytedeco.pytorch.BatchNormOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.plscj.tensor.Tensors;

/**
 * {@link TinyBackbone} + BatchNorm1d on the embedding, which can be made to fail on chosen training forwards:
 * a NaN entering the BatchNorm (NaN embeddings and NaN running statistics), or a NaN gradient in its last
 * parameter {@code poison} (finite embeddings). Tests in one JVM choose the forwards through the static sets
 * (1-based counts of train-mode forwards since {@link #reset}).
 */
public class PoisonedBackbone extends TinyBackbone {
    /** Train-mode forwards whose embeddings (and BatchNorm running statistics) become NaN. */
    public static volatile Set<Integer> nanEmbeddingsAt = Set.of();
    /** Train-mode forwards whose backward gives {@code poison} an infinite/NaN gradient. */
    public static volatile Set<Integer> nanGradientAt = Set.of();
    private static final AtomicInteger FORWARDS = new AtomicInteger();

    private final BatchNorm1dImpl bn;
    private final Tensor poison;

    public PoisonedBackbone(int embDim) {
        this(PoisonedBackbone.class.getName(), embDim);
    }

    protected PoisonedBackbone(String modelName, int embDim) {
        super(modelName, embDim, 0);
        bn = register_module("bn", new BatchNorm1dImpl(new BatchNormOptions(embDim)));
        poison = register_parameter("poison", torch.zeros(1));
    }

    /** Clears the forward count and the failure sets. */
    public static void reset(Set<Integer> nanEmbeddings, Set<Integer> nanGradient) {
        FORWARDS.set(0);
        nanEmbeddingsAt = nanEmbeddings;
        nanGradientAt = nanGradient;
    }

    @Override
    public Tensor forward(Tensor images) {
        Tensor y = super.forward(images);
        int call = is_training() ? FORWARDS.incrementAndGet() : 0;
        if (nanEmbeddingsAt.contains(call)) {
            y = y.add(Tensors.scalar(Double.NaN));
        }
        y = bn.forward(y);
        if (nanGradientAt.contains(call)) {
            // value √0 = 0, derivative 1/(2√0) = ∞: the embeddings stay finite, poison's gradient does not
            y = y.add(poison.sub(poison.detach()).sqrt().sum());
        }
        return y;
    }
}
