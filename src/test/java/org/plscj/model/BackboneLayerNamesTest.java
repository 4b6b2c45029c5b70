package org.plscj.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.plscj.tensor.Native;
import org.plscj.testing.TinyBackbone;

/**
 * {@link Backbone#forward(Tensor, LayerObserver)}: the built-ins show every layer they run, in order, under the names
 * their state_dict keys use, and the observed forward is the forward (same embeddings).
 */
class BackboneLayerNamesTest {
    @BeforeAll
    static void load() {
        Native.load();
    }

    /** The names the observer saw, after checking each output feeds the next layer and the last is the forward's. */
    private static List<String> observe(Backbone backbone) {
        try (PointerScope scope = new PointerScope()) {
            backbone.eval();
            Tensor images = ModelTesting.images(2, 7);
            List<String> names = new ArrayList<>();
            Tensor[] last = {images};
            Tensor observed = backbone.forward(images, (name, kind, input, output) -> {
                names.add(name);
                assertTrue(!kind.isEmpty(), name + " has a kind");
                // the feature heads flatten their input: compare values in order
                assertTrue(input.flatten(0, -1).equal(last[0].flatten(0, -1)), name + "'s input is the previous layer's output");
                last[0] = output;
            });
            assertTrue(observed.equal(last[0]), backbone.modelName() + ": the last layer's output is the embeddings");
            assertTrue(observed.equal(backbone.forward(images)), backbone.modelName() + ": the observed forward is the forward");
            Set<String> keys = stateKeys(backbone);
            for (String name : names) {
                assertTrue(keys.contains(name) || keys.stream().anyMatch(k -> k.startsWith(name + ".")),
                        name + " names parameters or buffers of " + backbone.modelName() + " (" + keys + ")");
            }
            return names;
        }
    }

    private static Set<String> stateKeys(Backbone backbone) {
        return Stream.of(backbone.named_parameters(true), backbone.named_buffers(true)).flatMap(BackboneLayerNamesTest::keys)
                .collect(Collectors.toSet());
    }

    private static Stream<String> keys(StringTensorDict dict) {
        return LongStream.range(0, dict.size()).mapToObj(i -> dict.get(i).key().getString());
    }

    @Test
    void tinyFaceNetShowsItsFiveLayers() {
        assertEquals(List.of("layer0", "layer1", "layer2", "layer3", "layer4"), observe(Backbones.create("TinyFaceNet", 16)));
    }

    @Test
    void faceResNetShowsStemBlocksAndEmbedding() {
        List<String> expected = new ArrayList<>(List.of("stem"));
        for (int stage = 1; stage <= 4; stage++) {
            for (int i = 0; i < 2; i++) {
                expected.add("layer" + stage + "_" + i);
            }
        }
        expected.add("embedding");
        assertEquals(expected, observe(Backbones.create("r18", 16)));
    }

    @Test
    void mobileFaceNetShowsEveryLayerOfItsList() {
        List<String> names = observe(Backbones.create("MobileFaceNetLite", 16));
        assertEquals(IntStream.range(0, names.size()).mapToObj(i -> "layer" + i).toList(), names);
        assertTrue(names.size() > 5, "the stem, the bottlenecks and the embedding: " + names);
    }

    @Test
    void visionTransformerShowsPatchesPositionsBlocksNormAndFeatureHead() {
        List<String> names = observe(new VisionTransformer("small ViT", 16, SmallVisionTransformer.RECIPE));
        assertEquals(List.of("patch_embed", "pos_embed", "blocks.0", "blocks.1", "norm", "feature"), names);
    }

    @Test
    void aCustomBackboneThatDoesNotOverrideItExposesNoLayers() {
        try (PointerScope scope = new PointerScope()) {
            Tensor images = ModelTesting.images(1, 7);
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                    () -> new TinyBackbone(16).forward(images, LayerObserver.NONE));
            assertTrue(e.getMessage().contains("its class " + TinyBackbone.class.getName()
                    + " does not override Backbone.forward(Tensor, LayerObserver)"), e.getMessage());
        }
    }
}
