package org.plscj.eval.ijb;

import org.plscj.eval.FaceModel;

/**
 * A stand-in face model without native code: the image average-pooled to a 4×4 grid per channel (48 values). Faces
 * of one identity, aligned alike, pool alike; misaligned or other faces do not. Counts its calls' images.
 */
final class PixelModel implements FaceModel {
    static final int GRID = 4;
    int imagesSeen;

    @Override
    public int embDim() {
        return 3 * GRID * GRID;
    }

    @Override
    public float[][] embed(float[] images, int n) {
        imagesSeen += n;
        int side = 112;
        int cell = side / GRID;
        float[][] out = new float[n][embDim()];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < side; y++) {
                    for (int x = 0; x < side; x++) {
                        out[i][(c * GRID + y / cell) * GRID + x / cell] += images[((i * 3 + c) * side + y) * side + x] / (cell * cell);
                    }
                }
            }
        }
        return out;
    }
}
