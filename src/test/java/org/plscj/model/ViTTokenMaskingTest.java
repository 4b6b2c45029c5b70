package org.plscj.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.plscj.tensor.Native;
import org.plscj.tensor.Placement;
import org.plscj.tensor.Tensors;
import org.plscj.testing.Float32Tolerance;

/**
 * mask_ratio as arcface_torch's random_masking: in training each sample keeps ⌊L·(1 − r)⌋ of its tokens, chosen per
 * sample; the blocks see only those; the dropped places hold mask_token after the final LayerNorm; evaluation never masks.
 */
class ViTTokenMaskingTest {
    /** 112/28 → 16 tokens of 32 features, one block, no drop path: the masking is the only randomness. */
    private static final ViTRecipe RECIPE = new ViTRecipe(112, 28, 32, 1, 4, 4.0, 0);
    private static final int BATCH = 6;
    private static final double RATIO = 0.3;
    /** Python's int(16 * (1 - 0.3)) = int(11.2). */
    private static final int KEPT = 11;

    @BeforeAll
    static void load() {
        Native.load();
    }

    @Test
    void trainingKeepsTheSameNumberOfTokensPerSampleAsArcfaceTorchAndFillsTheRestWithTheMaskToken() {
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            torch.manual_seed(3);
            VisionTransformer vit = maskedVit();
            Tensor images = Tensors.randn(Placement.CPU_FLOAT, BATCH, 3, 112, 112);
            float[][][] tokens = tokens(vit.tokens(images));
            float[] maskToken = Tensors.toFloatArray(maskToken(vit));
            float[][][] embedded = tokens(vit.embed(images));
            Set<List<Integer>> droppedSets = new HashSet<>();
            for (int s = 0; s < BATCH; s++) {
                List<Integer> kept = new ArrayList<>();
                List<Integer> dropped = new ArrayList<>();
                for (int place = 0; place < tokens[s].length; place++) {
                    (Arrays.equals(tokens[s][place], maskToken) ? dropped : kept).add(place);
                }
                assertEquals(KEPT, kept.size(), "sample " + s + " keeps ⌊16·0.7⌋ tokens; dropped " + dropped);
                droppedSets.add(dropped);
                // the kept places hold the blocks' output over the kept tokens alone (attention ignores their order)
                float[][] alone = tokens(vit.encode(Tensors.floats(flatten(select(embedded[s], kept)), 1, KEPT, 32)))[0];
                for (int i = 0; i < KEPT; i++) {
                    assertClose(vit, alone[i], tokens[s][kept.get(i)], "sample " + s + ", place " + kept.get(i));
                }
            }
            assertTrue(droppedSets.size() > 1, "each sample draws its own tokens to drop: " + droppedSets);
        }
    }

    @Test
    void evaluationNeverMasks() {
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            VisionTransformer vit = maskedVit();
            vit.eval();
            Tensor images = Tensors.randn(Placement.CPU_FLOAT, 2, 3, 112, 112);
            float[][][] all = tokens(vit.encode(vit.embed(images)));
            float[][][] served = tokens(vit.tokens(images));
            for (int s = 0; s < all.length; s++) {
                for (int place = 0; place < all[s].length; place++) {
                    assertClose(vit, all[s][place], served[s][place], "sample " + s + ", place " + place);
                }
            }
        }
    }

    @Test
    void theMaskTokenTrainsOnlyWhileMasking() {
        try (PointerScope scope = new PointerScope()) {
            VisionTransformer vit = new VisionTransformer("small ViT", 8, RECIPE);
            assertFalse(maskToken(vit).requires_grad(), "without masking nothing reads mask_token: it must not train");
            vit.maskTokens(RATIO);
            assertTrue(maskToken(vit).requires_grad());
            vit.forward(Tensors.randn(Placement.CPU_FLOAT, 4, 3, 112, 112)).sum().backward();
            assertTrue(Tensors.maxAbs(maskToken(vit).grad()) > 0, "the dropped places' mask_token gets a gradient");
            vit.maskTokens(0);
            assertFalse(maskToken(vit).requires_grad());
        }
    }

    @Test
    void aRatioOutsideZeroToOneIsRefused() {
        try (PointerScope scope = new PointerScope()) {
            VisionTransformer vit = new VisionTransformer("small ViT", 8, RECIPE);
            for (double bad : new double[] {-0.1, 1.0, Double.NaN}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> vit.maskTokens(bad));
                assertTrue(e.getMessage().contains("[0, 1)"), e.getMessage());
            }
        }
    }

    private static VisionTransformer maskedVit() {
        VisionTransformer vit = new VisionTransformer("small ViT", 8, RECIPE);
        vit.maskTokens(RATIO);
        vit.train(true);
        return vit;
    }

    private static Tensor maskToken(VisionTransformer vit) {
        return vit.named_parameters(true).get("mask_token");
    }

    /** The same fp32 blocks over the same tokens in another order and batch: sums in another order (Float32Tolerance). */
    private static void assertClose(VisionTransformer vit, float[] expected, float[] actual, String what) {
        double scale = 0;
        for (float v : expected) {
            scale = Math.max(scale, Math.abs(v));
        }
        double tolerance = Float32Tolerance.relative(vit) * scale;
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], tolerance, what + ", feature " + i);
        }
    }

    private static float[][][] tokens(Tensor t) {
        long[] shape = Tensors.shape(t);
        float[] flat = Tensors.toFloatArray(t.contiguous());
        float[][][] out = new float[(int) shape[0]][(int) shape[1]][(int) shape[2]];
        int k = 0;
        for (float[][] sample : out) {
            for (float[] token : sample) {
                for (int i = 0; i < token.length; i++) {
                    token[i] = flat[k++];
                }
            }
        }
        return out;
    }

    private static float[][] select(float[][] tokens, List<Integer> places) {
        return places.stream().map(p -> tokens[p]).toArray(float[][]::new);
    }

    private static float[] flatten(float[][] rows) {
        float[] out = new float[rows.length * rows[0].length];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(rows[r], 0, out, r * rows[0].length, rows[0].length);
        }
        return out;
    }
}
