package org.plscj.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.plscj.tensor.Native;

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
            double diff = ServeTesting.maxAbsDiff(torch.embed(packed, 5), onnx.embed(packed, 5));
            assertTrue(diff <= 1e-4, "max abs difference " + diff);
        }
    }
}
