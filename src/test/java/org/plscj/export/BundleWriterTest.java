package org.plscj.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.plscj.checkpoint.Checkpoint;
import org.plscj.checkpoint.TorchFile;
import org.plscj.head.ClassShard;
import org.plscj.model.Backbone;
import org.plscj.model.Backbones;
import org.plscj.serve.ModelBundle;
import org.plscj.testing.ServeTesting;
import org.plscj.serve.TestBundles;
import org.plscj.tensor.Native;
import org.plscj.tensor.Tensors;
import org.plscj.testing.Float32Tolerance;

/** plsc export: a checkpoint becomes a bundle whose every part agrees with the checkpoint. */
class BundleWriterTest {
    @TempDir
    Path root;

    @BeforeAll
    static void load() {
        Native.load();
    }

    @Test
    void bundleHoldsTheCheckpointsBackboneOnnxAndNormalisedCentres() throws Exception {
        Path ckpt = TestBundles.checkpoint(root.resolve("run"), 1000);
        Path out = root.resolve("bundle");
        BundleMeta meta = BundleWriter.fromCheckpoint(ckpt, out, CentresPrecision.FP32, 0.31);
        assertEquals(1000, meta.numClasses());
        assertEquals("dist_arcface", meta.lossType());
        for (String f : new String[] {BundleMeta.FILE, BundleMeta.BACKBONE, BundleMeta.ONNX, BundleMeta.CENTRES}) {
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
        }
        ModelBundle bundle = ModelBundle.open(out);
        assertEquals(0.31, bundle.meta().verificationThreshold());
        Tensor w = Checkpoint.open(ckpt).headShard(ClassShard.of(1000, 1, 0)).weight();
        Tensor expected = BundleWriter.normalisedRows(w);
        assertEquals(0.0, Tensors.maxAbs(bundle.centres().sub(expected)), 1e-6);
        assertEquals(1.0, Tensors.rowNorms(bundle.centres()).mean().item_double(), 1e-5);

        Backbone original = Backbones.create(TestBundles.MODEL, TestBundles.EMB_DIM);
        Checkpoint.open(ckpt).loadBackbone(original);
        original.eval();
        Tensor images = ServeTesting.images(2, 3);
        float[][] fromCheckpoint = ServeTesting.embed(original, images);
        assertEquals(0.0, ServeTesting.maxAbsDiff(fromCheckpoint, ServeTesting.embed(bundle.backbone(), images)), 0.0);
        // why this bound: onnxruntime's kernels sum in other orders than libtorch's (Float32Tolerance)
        double onnxDiff = ServeTesting.maxAbsDiff(fromCheckpoint, ServeTesting.runOnnx(out.resolve(BundleMeta.ONNX), images));
        assertTrue(onnxDiff <= Float32Tolerance.relative(original) * ServeTesting.maxAbs(fromCheckpoint), "max |torch − onnx| = " + onnxDiff);
    }

    @Test
    void fp16AndInt8CentresShrinkTheFileAndNoneLeavesThemOut() throws Exception {
        Path half = TestBundles.bundle(root.resolve("a"), 500, CentresPrecision.FP16);
        Tensor stored = (Tensor) TorchFile.read(half.resolve(BundleMeta.CENTRES)).get(BundleMeta.CENTRES_KEY);
        assertEquals(ScalarType.Half, stored.scalar_type().intern());
        assertEquals(500, ModelBundle.open(half).centres().size(0));

        Path int8 = TestBundles.bundle(root.resolve("c"), 500, CentresPrecision.INT8);
        java.util.Map<String, Object> quantised = TorchFile.read(int8.resolve(BundleMeta.CENTRES));
        assertEquals(ScalarType.Char, ((Tensor) quantised.get(BundleMeta.CENTRES_KEY)).scalar_type().intern());
        Tensor scales = (Tensor) quantised.get(CentresPrecision.SCALES_KEY);
        Tensor exact = ModelBundle.open(TestBundles.bundle(root.resolve("d"), 500, CentresPrecision.FP32)).centres();
        Tensor error = ModelBundle.open(int8).centresFloat().sub(exact).abs();
        // both bundles come from checkpoints with the same seed, hence the same head
        assertTrue(Tensors.maxAbs(error.div(Tensors.col(scales))) <= 0.5 + 1e-3, "int8 error beyond half a step");

        Path none = TestBundles.bundle(root.resolve("b"), 500, CentresPrecision.NONE);
        assertFalse(Files.exists(none.resolve(BundleMeta.CENTRES)));
        assertNull(ModelBundle.open(none).centres());
    }

    @Test
    void anExistingOutputDirectoryIsRefusedAndNothingIsLeftBehind() throws Exception {
        Path ckpt = TestBundles.checkpoint(root.resolve("run"), 100);
        Path out = Files.createDirectories(root.resolve("taken"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BundleWriter.fromCheckpoint(ckpt, out, CentresPrecision.FP32, null));
        assertTrue(e.getMessage().contains("already exists"), e.getMessage());
        try (var files = Files.list(root)) {
            assertEquals(0, files.filter(p -> p.getFileName().toString().contains(".tmp-")).count());
        }
    }
}
