package org.plscj.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.plscj.export.CentresPrecision;
import org.plscj.model.Backbones;
import org.plscj.tensor.Native;
import org.plscj.testing.Float32Tolerance;
import org.plscj.testing.ServeTesting;

/** A bundle served through onnxruntime (as any ONNX face model would be) gives the libtorch engine's embeddings. */
class OnnxEngineTest {
    @TempDir
    Path root;

    @BeforeAll
    static void load() {
        Native.load();
    }

    @Test
    void onnxEngineMatchesTorchEngine() throws Exception {
        ModelBundle bundle = ModelBundle.open(TestBundles.bundle(root, 10, CentresPrecision.NONE));
        Tensor images = ServeTesting.images(5, 9);
        float[] packed = new float[(int) images.numel()];
        images.contiguous().data_ptr_float().get(packed);
        try (EmbeddingEngine onnx = bundle.engine("onnx"); EmbeddingEngine torch = bundle.engine("torch")) {
            assertEquals(TestBundles.EMB_DIM, onnx.embDim());
            float[][] reference = torch.embed(packed, 5);
            double diff = ServeTesting.maxAbsDiff(reference, onnx.embed(packed, 5));
            // why this bound: onnxruntime's kernels sum in other orders than libtorch's (Float32Tolerance)
            double rel = Float32Tolerance.relative(Backbones.create(TestBundles.MODEL, TestBundles.EMB_DIM));
            assertTrue(diff <= rel * ServeTesting.maxAbs(reference), "max |torch − onnx| = " + diff + " exceeds " + rel + " × max |e|");
        }
    }
}
