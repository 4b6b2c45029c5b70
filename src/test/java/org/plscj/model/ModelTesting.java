package org.plscj.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.plscj.tensor.Tensors;

/** Shared helpers for the backbone tests. */
final class ModelTesting {
    static final int EMB_DIM = 512;

    private ModelTesting() {}

    /** A seeded random batch of normalised face-sized images [batch, 3, 112, 112]. */
    static Tensor images(long batch, long seed) {
        torch.manual_seed(seed);
        return torch.randn(batch, 3, 112, 112);
    }

    /** Asserts {@code embeddings} is [batch, EMB_DIM] and finite. */
    static void assertEmbeddings(Tensor embeddings, long batch, String name) {
        assertArrayEquals(new long[] {batch, EMB_DIM}, Tensors.shape(embeddings), name + " output shape");
        assertTrue(Tensors.allFinite(embeddings), name + " output not finite");
    }
}
