package org.plscj.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import onnx.Onnx.ModelProto;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.plscj.checkpoint.Checkpoint;
import org.plscj.checkpoint.CheckpointStore;
import org.plscj.export.OnnxExport;
import org.plscj.export.PyTorchImport;
import org.plscj.model.Backbone;
import org.plscj.model.Backbones;
import org.plscj.tensor.Native;
import org.plscj.testing.Float32Tolerance;
import org.plscj.testing.ServeTesting;

/**
 * Models trained on another pixel scale than PLSC's (x − 127.5)/128 — arcface_torch's (x − 127.5)/127.5 — give their own
 * embeddings on our pixels: imported weights by folding the scale into the first convolution, a bare foreign .onnx by
 * scaling its input.
 */
class InputStdTest {
    private static final double ARCFACE_STD = PyTorchImport.ARCFACE_TORCH_INPUT_STD;

    @TempDir
    Path dir;

    @BeforeAll
    static void load() {
        Native.load();
    }

    @Test
    void foldingArcfaceTorchsStdIntoTheWeightsGivesOnPlscPixelsWhatTheModelGaveOnItsOwn() {
        try (PointerScope scope = new PointerScope()) {
            Backbone trained = Backbones.create(TestBundles.MODEL, TestBundles.EMB_DIM);
            Backbone imported = Backbones.create(TestBundles.MODEL, TestBundles.EMB_DIM);
            Checkpoint.copyInto(imported, new java.util.LinkedHashMap<>(CheckpointStore.stateDict(trained)), dir);
            trained.eval();
            imported.eval();
            Tensor arcfacePixels = ServeTesting.images(4, 3); // (x − 127.5)/127.5
            Tensor plscPixels = arcfacePixels.mul(new Scalar(ARCFACE_STD / PyTorchImport.PLSC_INPUT_STD)); // the same x, /128

            assertTrue(PyTorchImport.foldInputStd(imported, ARCFACE_STD).isPresent());
            float[][] expected = ServeTesting.embed(trained, arcfacePixels);
            double diff = ServeTesting.maxAbsDiff(expected, ServeTesting.embed(imported, plscPixels));
            // why this bound: (k·W)·x and W·(k·x) round differently in float32, then through the depth (Float32Tolerance)
            double rel = Float32Tolerance.relative(trained);
            assertTrue(diff <= rel * ServeTesting.maxAbs(expected), "max diff " + diff + " exceeds " + rel + " × " + ServeTesting.maxAbs(expected));
            assertTrue(PyTorchImport.foldInputStd(imported, PyTorchImport.PLSC_INPUT_STD).isEmpty(), "PLSC's own scale changes nothing");
        }
    }

    @Test
    void aBareOnnxFromElsewhereIsFedArcfaceTorchsScaleAndOursPlscsUnlessTold() throws Exception {
        try (PointerScope scope = new PointerScope()) {
            Backbone backbone = Backbones.create(TestBundles.MODEL, TestBundles.EMB_DIM);
            backbone.eval();
            Path ours = dir.resolve("ours.onnx");
            OnnxExport.write(backbone, ours);
            Path foreign = dir.resolve("foreign.onnx");
            Files.write(foreign, ModelProto.parseFrom(Files.readAllBytes(ours)).toBuilder().setProducerName("pytorch").build().toByteArray());
            Tensor plscPixels = ServeTesting.images(3, 5);
            float[] packed = new float[(int) plscPixels.numel()];
            plscPixels.contiguous().data_ptr_float().get(packed);
            // what a model trained on (x − 127.5)/127.5 must be given for the same x
            float[][] expected = ServeTesting.embed(backbone, plscPixels.mul(new Scalar(PyTorchImport.PLSC_INPUT_STD / ARCFACE_STD)));

            try (AnyModel plsc = AnyModel.open(ours, "onnx"); AnyModel other = AnyModel.open(foreign, "onnx");
                    AnyModel told = AnyModel.open(foreign, "onnx", PyTorchImport.PLSC_INPUT_STD)) {
                assertTrue(plsc.inputNote().isEmpty(), "our own export takes our scale, silently");
                assertTrue(other.inputNote().orElseThrow().contains("(x − 127.5)/127.5"), other.inputNote().toString());
                assertTrue(told.inputNote().isEmpty());
                double rel = Float32Tolerance.relative(backbone);
                double scale = ServeTesting.maxAbs(expected);
                assertTrue(ServeTesting.maxAbsDiff(expected, other.engine().embed(packed, 3)) <= rel * scale, "foreign: fed /127.5");
                float[][] unscaled = ServeTesting.embed(backbone, plscPixels);
                assertTrue(ServeTesting.maxAbsDiff(expected, unscaled) > rel * scale, "the scale shows at this tolerance");
                assertTrue(ServeTesting.maxAbsDiff(unscaled, told.engine().embed(packed, 3)) <= rel * scale, "told 128: fed as given");
                assertTrue(ServeTesting.maxAbsDiff(unscaled, plsc.engine().embed(packed, 3)) <= rel * scale, "ours: fed as given");
            }
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                    () -> AnyModel.open(TestBundles.bundle(dir.resolve("b"), 10, org.plscj.export.CentresPrecision.NONE), "torch", ARCFACE_STD));
            assertTrue(refused.getMessage().contains("--input-std is for a bare .onnx file"), refused.getMessage());
            assertEquals(PyTorchImport.PLSC_INPUT_STD, new OnnxEngine(ours).inputStd());
        }
    }
}
