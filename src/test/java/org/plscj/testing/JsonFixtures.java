package org.plscj.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.bytedeco.pytorch.Tensor;
import org.plscj.tensor.Tensors;

/** Reading the flat number arrays of the PyTorch-made JSON fixtures, and comparing tensors with them. */
public final class JsonFixtures {
    private JsonFixtures() {}

    public static double[] doubles(JsonNode array) {
        double[] out = new double[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asDouble();
        }
        return out;
    }

    public static long[] longs(JsonNode array) {
        long[] out = new long[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asLong();
        }
        return out;
    }

    /** A float32 tensor of {@code shape} (the fixtures hold float32 samples widened to float64, so this is exact). */
    public static Tensor floats(JsonNode array, long... shape) {
        double[] d = doubles(array);
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return Tensors.floats(f, shape);
    }

    /** max|expected − actual| ≤ tolerance · max|expected|. */
    public static void assertRelative(String what, double[] expected, Tensor actual, double tolerance) {
        double[] got = Tensors.toDoubleArray(actual);
        assertEquals(expected.length, got.length, what + " size");
        double scale = 0;
        double worst = 0;
        for (int i = 0; i < got.length; i++) {
            scale = Math.max(scale, Math.abs(expected[i]));
            worst = Math.max(worst, Math.abs(expected[i] - got[i]));
        }
        double rel = worst / Math.max(scale, 1e-30);
        assertTrue(rel <= tolerance, what + ": relative error " + rel);
    }
}
