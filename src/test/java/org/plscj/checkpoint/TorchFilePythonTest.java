package org.plscj.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.plscj.io.Sha256;
import org.plscj.tensor.Native;

/** Interop with real PyTorch (Debian's torch 1.13): Java writes → torch.load, torch.save → Java reads. */
class TorchFilePythonTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void load() {
        Native.load();
    }

    @BeforeEach
    void needsPythonTorch() throws Exception {
        PythonTorch.assumeAvailable();
    }

    @Test
    void fileWrittenInJavaOpensWithTorchLoad() throws Exception {
        try (PointerScope scope = new PointerScope()) {
            torch.manual_seed(3);
            Map<String, Object> entries = new LinkedHashMap<>();
            entries.put("fc.weight", torch.randn(3, 4));
            entries.put("double", torch.randn(2).to(ScalarType.Double));
            entries.put("labels", Tensor.create(new long[] {5, -1, 1L << 40}));
            entries.put("bf16", torch.randn(5).to(ScalarType.BFloat16));
            entries.put("scalar", torch.randn(2).sum());
            entries.put("empty", torch.empty(0, 3));
            entries.put("column", torch.randn(4, 3).t().narrow(0, 1, 2));
            entries.put("step", 1234L);
            entries.put("arch", "r50");
            Path file = dir.resolve("java.pth");
            TorchFile.write(file, entries);

            JsonNode out = PythonTorch.json(PythonTorch.run("describe.py", file.toString()));
            assertEquals("ok", out.get("weights_only").asText());
            assertEquals(0, out.get("misaligned").size(), "records start on 64-byte boundaries: " + out.get("misaligned"));
            JsonNode loaded = out.get("entries");
            List<String> keys = new ArrayList<>();
            loaded.fieldNames().forEachRemaining(keys::add);
            assertEquals(new ArrayList<>(entries.keySet()), keys);
            for (String key : List.of("fc.weight", "double", "labels", "bf16", "scalar", "empty", "column")) {
                PythonTorch.assertTensorEquals(loaded.get(key), (Tensor) entries.get(key), key);
            }
            assertEquals(1234L, loaded.get("step").get("plain").asLong());
            assertEquals("r50", loaded.get("arch").get("plain").asText());
        }
    }

    /** {@code verified}: the one-pass read that also checks the file's SHA-256, on PyTorch's own record order. */
    @ParameterizedTest
    @CsvSource({"model.pth, plain", "model.pth, verified", "model-protocol4.pth, plain", "model-protocol4.pth, verified"})
    void stateDictSavedByPyTorchReadsInJava(String name, String how) throws Exception {
        PythonTorch.run("save_state_dicts.py", dir.toString());
        JsonNode expected = PythonTorch.json(Files.readString(dir.resolve("expected.json"))).get("model");
        Path file = dir.resolve(name);
        Map<String, Object> read = how.equals("verified") ? TorchFile.readVerified(file, Sha256.of(file)) : TorchFile.read(file);

        List<String> keys = new ArrayList<>();
        expected.fieldNames().forEachRemaining(keys::add);
        assertEquals(keys, new ArrayList<>(read.keySet()), "keys in the module's order, no _metadata");
        for (String key : keys) {
            PythonTorch.assertTensorEquals(expected.get(key), (Tensor) read.get(key), key);
        }
        assertEquals(1L, ((Tensor) read.get("bn.num_batches_tracked")).item_long());
        Tensor transposed = (Tensor) read.get("shared.transposed");
        assertFalse(transposed.is_contiguous(), "a transposed view stays a view");
        Tensor row = (Tensor) read.get("shared.row");
        assertEquals(transposed.data_ptr().address() + 4 * Float.BYTES, row.data_ptr().address(),
                "views of one storage share it after reading, as after torch.load");
    }

    @Test
    void plainDictSavedByPyTorchReadsInJava() throws Exception {
        PythonTorch.run("save_state_dicts.py", dir.toString());
        JsonNode expected = PythonTorch.json(Files.readString(dir.resolve("expected.json"))).get("plain");
        Map<String, Object> read = TorchFile.read(dir.resolve("plain.pth"));

        assertEquals(List.of("epoch", "lr", "name", "weights", "milestones", "big"), new ArrayList<>(read.keySet()));
        assertEquals(3L, read.get("epoch"));
        assertEquals(0.1, read.get("lr"));
        assertEquals("r50", read.get("name"));
        assertEquals(List.of(10L, 20L), read.get("milestones"));
        assertEquals(1L << 40, read.get("big"));
        PythonTorch.assertTensorEquals(expected.get("weights"), (Tensor) read.get("weights"), "weights");
        assertInstanceOf(Tensor.class, read.get("weights"));
        assertTrue(((Tensor) read.get("weights")).is_contiguous());
    }
}
