package org.plscj.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.plscj.tensor.Native;

/** Parameter counts equal those of the PyTorch definitions in fixtures/model/make_param_counts.py. */
class BackboneParameterCountTest {
    private static JsonNode reference;

    @BeforeAll
    static void load() throws IOException {
        Native.load();
        try (InputStream in = BackboneParameterCountTest.class.getResourceAsStream("/fixtures/model/param_counts.json")) {
            reference = new ObjectMapper().readTree(in);
        }
    }

    static List<String> builtInNames() {
        return Backbones.builtInNames();
    }

    @Test
    void everyBuiltInHasAReferenceCount() {
        List<String> fixtureNames = new ArrayList<>();
        reference.fieldNames().forEachRemaining(fixtureNames::add);
        assertEquals(Backbones.builtInNames().stream().sorted().toList(), fixtureNames.stream().sorted().toList());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("builtInNames")
    void trainableAndTotalCountsMatchPyTorch(String name) {
        JsonNode expected = reference.get(name);
        int embDim = expected.has("emb_dim") ? expected.get("emb_dim").asInt() : 512;
        try (PointerScope scope = new PointerScope()) {
            Backbone backbone = Backbones.create(name, embDim);
            assertEquals(expected.get("trainable").asLong(), Backbones.trainableParameterCount(backbone), name + " trainable");
            assertEquals(expected.get("total").asLong(), Backbones.stateCount(backbone), name + " parameters + buffers");
        }
    }
}
