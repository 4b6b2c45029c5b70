package org.plscj.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.plscj.tensor.Native;
import org.plscj.tensor.Tensors;
import org.plscj.testing.Float32Tolerance;

/**
 * arcface_torch's ViT as fixtures/model/make_vit_fixtures.py writes it out with Debian's torch: the same state_dict
 * (names and shapes) for vit_t and vit_s, and the same embeddings from the same weights.
 */
class VisionTransformerTest {
    private static JsonNode shapes;
    private static JsonNode forward;

    @BeforeAll
    static void load() throws IOException {
        Native.load();
        shapes = json("/fixtures/model/vit_shapes.json");
        forward = json("/fixtures/model/vit_forward.json");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"ViT-T", "ViT-S"})
    void everyStateDictTensorHasArcfaceTorchsNameAndShape(String name) {
        Map<String, String> theirs = new TreeMap<>();
        shapes.get(name).fields().forEachRemaining(e -> theirs.put(e.getKey(), e.getValue().toString().replace(" ", "")));
        try (PointerScope scope = new PointerScope()) {
            Backbone vit = Backbones.create(name, 512);
            Map<String, String> ours = new TreeMap<>();
            for (StringTensorDict dict : new StringTensorDict[] {vit.named_parameters(true), vit.named_buffers(true)}) {
                for (long i = 0; i < dict.size(); i++) {
                    ours.put(dict.get(i).key().getString(), Arrays.toString(Tensors.shape(dict.get(i).value())).replace(" ", ""));
                }
            }
            assertEquals(theirs, ours);
        }
    }

    @Test
    void theirStateDictLoadedByNameGivesTheirEmbeddings() {
        JsonNode r = forward.get("recipe");
        ViTRecipe small = new ViTRecipe(r.get("img_size").asLong(), r.get("patch_size").asLong(), r.get("embed_dim").asLong(),
                r.get("depth").asInt(), r.get("num_heads").asLong(), r.get("mlp_ratio").asDouble(), r.get("drop_path_rate").asDouble());
        try (PointerScope scope = new PointerScope()) {
            VisionTransformer vit = new VisionTransformer("small ViT", r.get("num_features").asInt(), small);
            int loaded = 0;
            try (NoGradGuard noGrad = new NoGradGuard()) {
                for (StringTensorDict dict : new StringTensorDict[] {vit.named_parameters(true), vit.named_buffers(true)}) {
                    for (long i = 0; i < dict.size(); i++) {
                        String key = dict.get(i).key().getString();
                        Tensor t = dict.get(i).value();
                        JsonNode saved = forward.get("state_dict").get(key);
                        assertArrayEquals(shape(saved), Tensors.shape(t), key);
                        // why the dtype: num_batches_tracked is int64, the fixture holds every tensor as float32
                        t.copy_(Tensors.floats(floats(saved), shape(saved)).to(Tensors.dtype(t)));
                        loaded++;
                    }
                }
            }
            assertEquals(forward.get("state_dict").size(), loaded, "every tensor of the file has a place");
            vit.eval();
            JsonNode images = forward.get("images");
            float[] ours = Tensors.toFloatArray(vit.forward(Tensors.floats(floats(images), shape(images))));
            double[] theirs = doubles(forward.get("embeddings"));
            assertEquals(theirs.length, ours.length);
            double diff = 0;
            double scale = 0;
            for (int i = 0; i < ours.length; i++) {
                diff = Math.max(diff, Math.abs(ours[i] - theirs[i]));
                scale = Math.max(scale, Math.abs(theirs[i]));
            }
            // why this bound: float32 against PyTorch's float64, L = 15 reductions in a row (patch conv; per block qkv,
            // q·kᵀ, softmax·v, proj, fc1, fc2; two feature linears), the largest over K = 3·9·9 = 243 terms (Float32Tolerance)
            int depth = 1 + 6 * small.depth() + 2;
            long fanIn = 3 * small.patch() * small.patch();
            System.out.printf("small ViT: max |ours − PyTorch float64| = %.3g (max |e| %.3g)%n", diff, scale);
            assertTrue(scale > 0.1, "fixture embeddings must be non-trivial");
            assertTrue(Float32Tolerance.within(diff, depth, fanIn, scale),
                    Float32Tolerance.describe("small ViT vs PyTorch", diff, depth, fanIn, scale));
        }
    }

    @Test
    void theMaskTokenIsKeptForTheirStateDictsButNeverTrains() {
        try (PointerScope scope = new PointerScope()) {
            Backbone vit = Backbones.create("vit_t", 512);
            Tensor maskToken = vit.named_parameters(true).get("mask_token");
            assertArrayEquals(new long[] {1, 1, 256}, Tensors.shape(maskToken));
            assertTrue(!maskToken.requires_grad(), "mask_token must be frozen: nothing reads it without token masking");
        }
    }

    /** libtorch's train()/eval() call back into every Java module; one whose Java object was collected threw an NPE. */
    @Test
    void trainAndEvalStillReachEveryBlockAfterAGarbageCollection() throws InterruptedException {
        // why no scope: the trainer builds its backbone outside any, so only the garbage collector frees handles
        Backbone vit = new SmallVisionTransformer(8);
        try {
            for (int i = 0; i < 3; i++) {
                System.gc();
                // JavaCPP frees collected handles on its own thread
                Thread.sleep(100);
            }
            vit.train(true);
            assertTrue(vit.is_training());
            vit.eval();
            assertTrue(!vit.is_training());
        } finally {
            vit.close();
        }
    }

    private static JsonNode json(String resource) throws IOException {
        try (InputStream in = VisionTransformerTest.class.getResourceAsStream(resource)) {
            return new ObjectMapper().readTree(in);
        }
    }

    private static long[] shape(JsonNode tensor) {
        long[] s = new long[tensor.get("shape").size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = tensor.get("shape").get(i).asLong();
        }
        return s;
    }

    private static float[] floats(JsonNode tensor) {
        ByteBuffer b = ByteBuffer.wrap(Base64.getDecoder().decode(tensor.get("f32").asText())).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[b.remaining() / 4];
        b.asFloatBuffer().get(out);
        return out;
    }

    private static double[] doubles(JsonNode tensor) {
        ByteBuffer b = ByteBuffer.wrap(Base64.getDecoder().decode(tensor.get("f64").asText())).order(ByteOrder.LITTLE_ENDIAN);
        double[] out = new double[b.remaining() / 8];
        b.asDoubleBuffer().get(out);
        return out;
    }
}
