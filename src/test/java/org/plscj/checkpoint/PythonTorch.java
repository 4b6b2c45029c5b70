package org.plscj.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Assumptions;
import org.plscj.tensor.Tensors;

/**
 * Runs the fixture scripts of src/test/resources/fixtures/checkpoint with Debian's
 * /usr/bin/python3 and its torch (the python3 on PATH has none), and compares their JSON
 * descriptions of tensors with Java tensors.
 */
final class PythonTorch {
    private static final Path PYTHON = Paths.get("/usr/bin/python3");
    private static final Map<ScalarType, String> DTYPE_NAMES = Map.of(
            ScalarType.Float, "torch.float32", ScalarType.Double, "torch.float64", ScalarType.Long, "torch.int64",
            ScalarType.Int, "torch.int32", ScalarType.BFloat16, "torch.bfloat16", ScalarType.Half, "torch.float16",
            ScalarType.Byte, "torch.uint8", ScalarType.Bool, "torch.bool");

    private PythonTorch() {}

    /** Skips the calling test unless /usr/bin/python3 can import torch. */
    static void assumeAvailable() throws IOException, InterruptedException {
        Assumptions.assumeTrue(Files.isExecutable(PYTHON), "no /usr/bin/python3");
        Process p = new ProcessBuilder(PYTHON.toString(), "-c", "import torch").redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        Assumptions.assumeTrue(p.waitFor() == 0, "/usr/bin/python3 has no torch");
    }

    /** Runs fixture script {@code name} with {@code args}; returns its stdout, fails on a non-zero exit. */
    static String run(String name, String... args) throws IOException, InterruptedException {
        String[] command = new String[args.length + 2];
        command[0] = PYTHON.toString();
        command[1] = script(name).toString();
        System.arraycopy(args, 0, command, 2, args.length);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError(name + " failed:\n" + output);
        }
        return output;
    }

    static JsonNode json(String text) throws IOException {
        return new ObjectMapper().readTree(text);
    }

    /** dtype, shape and every value (exactly, as doubles) of {@code actual} equal the description. */
    static void assertTensorEquals(JsonNode expected, Tensor actual, String key) {
        assertEquals(expected.get("dtype").asText(), DTYPE_NAMES.get(actual.scalar_type().intern()), key + " dtype");
        long[] shape = new long[expected.get("shape").size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = expected.get("shape").get(i).asLong();
        }
        assertArrayEquals(shape, Tensors.shape(actual), key + " shape");
        JsonNode values = expected.get("values");
        double[] want = new double[values.size()];
        for (int i = 0; i < want.length; i++) {
            JsonNode v = values.get(i);
            want[i] = v.isBoolean() ? (v.booleanValue() ? 1 : 0) : v.doubleValue();
        }
        assertArrayEquals(want, Tensors.toDoubleArray(actual), 0.0, key + " values");
    }

    private static Path script(String name) {
        try {
            return Paths.get(PythonTorch.class.getResource("/fixtures/checkpoint/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
