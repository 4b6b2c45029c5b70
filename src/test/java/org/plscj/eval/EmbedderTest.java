package org.plscj.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.plscj.data.ImageDecoder;
import org.plscj.tensor.Native;
import org.plscj.testing.Float32Tolerance;

class EmbedderTest {
    private static final int DIM = 4;
    private static final int SIDE = ImageDecoder.PLSC_SIZE;

    // f_k(x) = sum_i W(k, i) x_i in double; mirrored reads column SIDE-1-w of the same row and channel
    private static double[] handForward(float[] x, boolean mirrored) {
        double[] f = new double[DIM];
        for (int k = 0; k < DIM; k++) {
            for (int i = 0; i < x.length; i++) {
                int w = i % SIDE;
                int source = mirrored ? i - w + (SIDE - 1 - w) : i;
                f[k] += LinearBackbone.weight(k, i) * (double) x[source];
            }
        }
        return f;
    }

    private static double norm(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        return Math.sqrt(s);
    }

    @Test
    void eachEmbeddingIsTheNormalisedSumOfTheImageAndItsMirrorAndXNormAveragesTheRawNorms() {
        Native.load();
        float[][] images = TestImages.random(7, 1);
        LinearBackbone backbone = new LinearBackbone(DIM);
        // batch 3 over 7 images: two full batches and a partial one
        Embedder.Embeddings result = new Embedder(backbone, 3).embed(images.length, TestImages.sourceOf(images));

        assertEquals(images.length, result.embeddings().length);
        double norms = 0;
        for (int n = 0; n < images.length; n++) {
            double[] plain = handForward(images[n], false);
            double[] mirrored = handForward(images[n], true);
            norms += norm(plain) + norm(mirrored);
            double[] sum = new double[DIM];
            for (int k = 0; k < DIM; k++) {
                sum[k] = plain[k] + mirrored[k];
            }
            double length = norm(sum);
            double[] expected = new double[DIM];
            for (int k = 0; k < DIM; k++) {
                expected[k] = sum[k] / length;
            }
            // why this bound: unit vectors (scale 1) from one float32 layer summing 3·112·112 terms, against float64
            assertArrayEquals(expected, result.embeddings()[n], Float32Tolerance.relative(1, 3 * 112 * 112), "image " + n);
            assertEquals(1.0, norm(result.embeddings()[n]), 1e-12, "image " + n + " is unit length");
        }
        assertEquals(norms / (2 * images.length), result.xnorm(), 1e-4 * result.xnorm());
    }

    @Test
    void runsInEvalModeAndRestoresTheModeItFound() {
        Native.load();
        float[][] images = TestImages.random(2, 2);
        LinearBackbone training = new LinearBackbone(DIM);
        training.train(true);
        new Embedder(training, 8).embed(images.length, TestImages.sourceOf(images));
        assertFalse(training.sawTrainingMode(), "forward ran in training mode");
        assertTrue(training.is_training(), "training mode not restored");

        LinearBackbone evaluating = new LinearBackbone(DIM);
        evaluating.eval();
        new Embedder(evaluating, 8).embed(images.length, TestImages.sourceOf(images));
        assertFalse(evaluating.is_training(), "eval mode not kept");
    }

    @Test
    void restoresTheModeWhenAnImageFailsToDecode() {
        Native.load();
        LinearBackbone backbone = new LinearBackbone(DIM);
        backbone.train(true);
        Embedder.ImageSource failing = (index, out, offset) -> {
            throw new IllegalStateException("image " + index + " is broken");
        };
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new Embedder(backbone, 2).embed(3, failing));
        assertEquals("image 0 is broken", e.getMessage());
        assertTrue(backbone.is_training());
    }
}
