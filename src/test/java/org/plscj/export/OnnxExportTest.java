package org.plscj.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import org.plscj.testing.ServeTesting;
import org.plscj.testing.Float32Tolerance;

import java.nio.file.Path;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.plscj.model.Backbone;
import org.plscj.model.Backbones;
import org.plscj.tensor.Native;

/** Every built-in backbone's ONNX export, run by onnxruntime, gives our engine's eval-mode embeddings. */
class OnnxExportTest {
    private static final int EMB_DIM = 128;

    @TempDir
    Path dir;

    @BeforeAll
    static void load() {
        Native.load();
    }

    static List<String> builtInNames() {
        return Backbones.builtInNames();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("builtInNames")
    void onnxRuntimeMatchesTheEngine(String name) throws Exception {
        try (PointerScope scope = new PointerScope()) {
            Backbone backbone = Backbones.create(name, EMB_DIM);
            BatchNormCalibration.calibrate(backbone, ServeTesting.images(8, 1));
            Tensor images = ServeTesting.images(3, 2);
            float[][] ours = ServeTesting.embed(backbone, images);
            Path file = dir.resolve(name + ".onnx");
            OnnxExport.write(backbone, file);
            float[][] theirs = ServeTesting.runOnnx(file, images);
            assertEquals(3, theirs.length, name + ": rows");
            assertEquals(EMB_DIM, theirs[0].length, name + ": embedding size");
            double diff = ServeTesting.maxAbsDiff(ours, theirs);
            double scale = ServeTesting.maxAbs(ours);
            System.out.printf("%s: max |engine − onnxruntime| = %.3g, max |embedding| = %.3g%n", name, diff, scale);
            assertTrue(scale > 1e-2 && Double.isFinite(scale), name + ": embeddings must be finite and non-trivial, max |e| = " + scale);
            // why this bound: onnxruntime's kernels are not libtorch's, so sums run in other orders (Float32Tolerance)
            double rel = Float32Tolerance.relative(backbone);
            assertTrue(diff <= rel * scale, name + ": max |engine − onnxruntime| = " + diff + " exceeds " + rel + " × max |e| " + scale);
        }
    }
}
