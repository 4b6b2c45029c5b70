package org.plscj.eval;

/**
 * A face embedding model as evaluation uses it: whatever runs it (one of our backbones on libtorch, an ONNX file on
 * onnxruntime), it maps aligned 112×112 images to D-dimensional features. One caller at a time.
 */
public interface FaceModel {
    int embDim();

    /**
     * Features [n][embDim] of {@code n} images packed as [n, 3, 112, 112] floats (RGB, (x − 127.5)/128, as
     * {@link org.plscj.data.ImageDecoder} gives them), not normalised.
     */
    float[][] embed(float[] images, int n);
}
