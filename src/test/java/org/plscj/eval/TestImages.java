package org.plscj.eval;

import java.util.SplittableRandom;
import org.plscj.data.ImageDecoder;

/** Decoded-looking test images (normalised random 8-bit values), the same for the same seed in any JVM. */
final class TestImages {
    private TestImages() {}

    static float[][] random(int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[][] images = new float[count][LinearBackbone.PIXELS];
        for (float[] image : images) {
            for (int i = 0; i < image.length; i++) {
                image[i] = ImageDecoder.normalise(random.nextInt(256));
            }
        }
        return images;
    }

    static Embedder.ImageSource sourceOf(float[][] images) {
        return (index, out, offset) -> System.arraycopy(images[index], 0, out, offset, images[index].length);
    }
}
