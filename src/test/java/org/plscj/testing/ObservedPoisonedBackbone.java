package org.plscj.testing;

import java.util.concurrent.atomic.AtomicInteger;
import org.bytedeco.pytorch.Tensor;
import org.plscj.model.LayerObserver;

/**
 * {@link PoisonedBackbone} showing itself as one layer, {@code whole}, and counting the observed forwards: the
 * trainer's locating re-runs. Its poison is chosen per forward, so a re-run of a poisoned step is finite.
 */
public final class ObservedPoisonedBackbone extends PoisonedBackbone {
    /** Observed forwards since a test last set it to 0. */
    public static final AtomicInteger OBSERVED = new AtomicInteger();

    public ObservedPoisonedBackbone(int embDim) {
        super(ObservedPoisonedBackbone.class.getName(), embDim);
    }

    @Override
    public Tensor forward(Tensor images, LayerObserver observer) {
        OBSERVED.incrementAndGet();
        Tensor embeddings = forward(images);
        observer.output("whole", "ObservedPoisonedBackbone", images, embeddings);
        return embeddings;
    }
}
