package org.plscj.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.plscj.checkpoint.Checkpoint;
import org.plscj.checkpoint.CheckpointStore;
import org.plscj.checkpoint.TorchFile;
import org.plscj.comm.Communicator;
import org.plscj.export.BundleWriter;
import org.plscj.export.CentresPrecision;
import org.plscj.export.PyTorchImport;
import org.plscj.head.ClassShard;
import org.plscj.head.ShardWeights;
import org.plscj.model.Backbone;
import org.plscj.tensor.Native;
import org.plscj.tensor.Tensors;
import org.plscj.testing.ArcfaceTorchModels;
import org.plscj.testing.Float32Tolerance;
import org.plscj.testing.Jvm;
import org.plscj.testing.MeanEmbedding;
import org.plscj.testing.ServeTesting;
import org.plscj.testing.TinyBackbone;
import org.plscj.testing.TinyRun;

/**
 * pretrained_model starts a run with another class count from a checkpoint's backbone and a fresh head;
 * freeze_backbone_steps and backbone_lr_scale 0 keep that backbone as loaded; a missing path or another architecture
 * is refused naming the key.
 */
class PretrainedModelTest {
    @TempDir
    static Path shared;
    private static Path pretrained;

    @BeforeAll
    static void trainThePretrainedModel() throws Exception {
        Native.load();
        TinyRun.writeData(shared.resolve("data"));
        TinyRun.train(TinyRun.config(shared.resolve("data"), shared.resolve("base"), "train_steps=2", "save_steps=2", "val_targets=[]"), false);
        pretrained = shared.resolve("base").resolve("checkpoints").resolve("step-00000002");
    }

    private static Path fineTune(Path dir, String... extra) throws Exception {
        // the extra keys last: a later key=value overrides an earlier one
        java.util.List<String> keys = new java.util.ArrayList<>(java.util.List.of("pretrained_model=" + pretrained, "num_classes=20",
                "train_steps=2", "save_steps=2", "val_targets=[]"));
        keys.addAll(java.util.List.of(extra));
        TinyRun.train(TinyRun.config(shared.resolve("data"), dir, keys.toArray(new String[0])), false);
        return dir.resolve("checkpoints").resolve("step-00000002");
    }

    private static double largestDifference(Path a, Path b) throws Exception {
        Map<String, Object> x = TorchFile.read(a.resolve("backbone.pt"));
        Map<String, Object> y = TorchFile.read(b.resolve("backbone.pt"));
        assertEquals(x.keySet(), y.keySet());
        double max = 0;
        for (String k : x.keySet()) {
            max = Math.max(max, Tensors.maxAbs(((Tensor) x.get(k)).sub((Tensor) y.get(k))));
        }
        return max;
    }

    @Test
    void aFrozenBackboneStaysThePretrainedOneWhileTheFreshHeadOfAnotherClassCountTrains(@TempDir Path dir) throws Exception {
        try (PointerScope scope = new PointerScope()) {
            Path frozen = fineTune(dir.resolve("frozen"), "freeze_backbone_steps=2");
            assertEquals(0.0, largestDifference(pretrained, frozen), "the backbone after 2 frozen steps");
            Path scaledToZero = fineTune(dir.resolve("lr0"), "backbone_lr_scale=0");
            assertEquals(0.0, largestDifference(pretrained, scaledToZero), "the backbone at backbone_lr_scale 0");
            Path trained = fineTune(dir.resolve("trained"));
            assertNotEquals(0.0, largestDifference(pretrained, trained), "without freezing the backbone trains on");
            Tensor head = (Tensor) TorchFile.read(frozen.resolve("head-rank-0-of-1.pt")).get("weight");
            assertEquals(20, head.size(0), "a fresh head of num_classes rows");
        }
    }

    @Test
    void anExportedBundleStartsTheRunWithItsBackbone(@TempDir Path dir) throws Exception {
        try (PointerScope scope = new PointerScope()) {
            // why TinyFaceNet: an export writes ONNX too, which the test-only TinyBackbone cannot describe
            TinyRun.train(TinyRun.config(shared.resolve("data"), dir.resolve("base"), "model_name=TinyFaceNet", "train_steps=1", "save_steps=1",
                    "val_targets=[]"), false);
            Path checkpoint = dir.resolve("base").resolve("checkpoints").resolve("step-00000001");
            Path bundle = dir.resolve("bundle");
            BundleWriter.fromCheckpoint(checkpoint, bundle, CentresPrecision.NONE, null);
            TrainConfig config = TinyRun.config(shared.resolve("data"), dir.resolve("tuned"), "pretrained_model=" + bundle,
                    "model_name=TinyFaceNet", "num_classes=20", "val_targets=[]");
            try (Communicator comm = Communicator.single();
                    Trainer t = new Trainer(config, comm, false, new PrintStream(new ByteArrayOutputStream()))) {
                Map<String, Object> saved = TorchFile.read(checkpoint.resolve("backbone.pt"));
                Map<String, Tensor> start = CheckpointStore.stateDict(t.step().backbone());
                assertEquals(saved.keySet(), start.keySet());
                for (String k : saved.keySet()) {
                    assertEquals(0.0, Tensors.maxAbs(((Tensor) saved.get(k)).sub(start.get(k))), "the run starts from the bundle's " + k);
                }
                assertEquals(20, t.step().head().weights().weight().size(0), "a fresh head of num_classes rows");
            }
            ConfigException other = assertThrows(ConfigException.class,
                    () -> fineTune(dir.resolve("other"), "pretrained_model=" + bundle, "model_name=MobileFaceNet"));
            assertEquals("pretrained_model", other.key());
            assertTrue(other.getMessage().contains("holds a TinyFaceNet with emb_dim 16, this run trains a MobileFaceNet"), other.getMessage());
        }
    }

    @Test
    void growInitMeanStartsTheFreshHeadAtEachClassesMeanEmbeddingAndClassesWithoutImagesAtRandom(@TempDir Path dir) throws Exception {
        TrainConfig config = TinyRun.config(shared.resolve("data"), dir, "pretrained_model=" + pretrained, "num_classes=20", "grow_init=mean",
                "val_targets=[]");
        TinyBackbone loaded = new TinyBackbone(16);
        Checkpoint.open(pretrained).loadBackbone(loaded);
        try (Communicator comm = Communicator.single();
                Trainer t = new Trainer(config, comm, false, new PrintStream(new ByteArrayOutputStream()));
                PointerScope scope = new PointerScope()) {
            Tensor w = t.step().head().weights().weight();
            for (int c : new int[] {0, 7, TinyRun.CLASSES - 1}) {
                double[] expected = MeanEmbedding.of(shared.resolve("data"), loaded, c);
                double[] row = Tensors.toDoubleArray(w.narrow(0, c, 1));
                for (int k = 0; k < row.length; k++) {
                    // a unit vector from float32 embeddings summed in double: equal up to float32 rounding (6e-8 relative)
                    assertEquals(expected[k], row[k], 1e-6, "W[" + c + "][" + k + "]");
                }
            }
            Tensor random = ShardWeights.initialRows(20, 16, config.seed(), TinyRun.CLASSES, 20 - TinyRun.CLASSES);
            assertEquals(0.0, Tensors.maxAbs(w.narrow(0, TinyRun.CLASSES, 20 - TinyRun.CLASSES).sub(random)),
                    "classes without images keep the fresh head's N(0, 0.01) rows");
        }
    }

    @Test
    void growInitMeanOnTwoWorkersImprintsWithThePretrainedBackboneOnBoth(@TempDir Path dir) throws Exception {
        Path save = dir.resolve("two");
        // lr 1e-9, no momentum or decay: the head saved after the one step is the head the run started with
        List<String> args = List.of("launch", "--nproc", "2", "--master-port", "0", "--", "train", "--timeout", "120",
                "model_name=" + TinyBackbone.class.getName(), "emb_dim=16", "num_classes=" + TinyRun.CLASSES, "train_batch_size=4",
                "lr=1e-9", "momentum=0", "weight_decay=0", TinyRun.FP32, "train_steps=1", "save_steps=1", "val_targets=[]",
                "loss_type=dist_cosface", "scale=16", "pretrained_model=" + pretrained, "grow_init=mean",
                "dataset_dir=" + shared.resolve("data"), "model_save_dir=" + save);
        Jvm.Running launch = Jvm.plsc(args);
        assertEquals(0, launch.waitFor(300), launch.output());
        TinyBackbone loaded = new TinyBackbone(16);
        Checkpoint.open(pretrained).loadBackbone(loaded);
        try (PointerScope scope = new PointerScope()) {
            Tensor w = Checkpoint.open(save.resolve("checkpoints").resolve("step-00000001")).headShard(ClassShard.of(TinyRun.CLASSES, 1, 0))
                    .weight();
            // every worker embeds a slice of the images: each class's row is right only if both ran the pretrained backbone
            for (int c = 0; c < TinyRun.CLASSES; c++) {
                double[] expected = MeanEmbedding.of(shared.resolve("data"), loaded, c);
                double[] row = Tensors.toDoubleArray(w.narrow(0, c, 1));
                for (int k = 0; k < row.length; k++) {
                    // as above: float32 embeddings summed in double, then one lr-1e-9 step (≤ 1e-9 per value)
                    assertEquals(expected[k], row[k], 1e-6, "W[" + c + "][" + k + "]");
                }
            }
        }
    }

    /**
     * The interop test: an arcface_torch IResNet18 state_dict made by PyTorch (fixtures/serve/arcface_torch_models.py,
     * arcface_torch's definitions, fp16 off), directly and as a {@code plsc import} bundle, starts a fine-tuning run whose
     * backbone, before any update, embeds PyTorch's images as PyTorch's eval-mode forward does; then the run trains.
     */
    @Test
    void anArcfaceTorchR18StateDictOrItsImportedBundleStartsTheRunWithPyTorchsEmbeddings(@TempDir Path dir) throws Exception {
        ArcfaceTorchModels.assumeTorch();
        ArcfaceTorchModels.write("r18", 64, dir);
        Path bundle = dir.resolve("bundle");
        Jvm.Running imported = Jvm.plsc(List.of("import", "--pytorch", dir.resolve("backbone.pth").toString(), "--model", "IResNet18",
                "--emb-dim", "64", "--out", bundle.toString()));
        assertEquals(0, imported.waitFor(120), imported.output());
        for (Path weights : new Path[] {dir.resolve("backbone.pth"), bundle}) {
            TrainConfig config = TinyRun.config(shared.resolve("data"), dir.resolve("run-" + weights.getFileName()), "model_name=IResNet18",
                    "emb_dim=64", "pretrained_model=" + weights, "lr=0.01", "train_steps=2", "val_targets=[]");
            try (Communicator comm = Communicator.single();
                    Trainer t = new Trainer(config, comm, false, new PrintStream(new ByteArrayOutputStream()));
                    PointerScope scope = new PointerScope()) {
                Backbone backbone = t.step().backbone();
                Map<String, Object> io = TorchFile.read(dir.resolve("io.pt"));
                backbone.eval();
                // PyTorch's images are arcface_torch's (x − 127.5)/127.5; the same pixels are (x − 127.5)/128 for ours, whose first
                // convolution took the ratio (plsc import, and pretrained_model from a state_dict, fold it)
                Tensor images = (Tensor) io.get("images");
                float[][] ours = ServeTesting.embed(backbone,
                        images.mul(new Scalar(PyTorchImport.ARCFACE_TORCH_INPUT_STD / PyTorchImport.PLSC_INPUT_STD)));
                backbone.train(true);
                float[][] theirs = ServeTesting.rows((Tensor) io.get("embeddings"));
                assertTrue(ServeTesting.maxAbs(theirs) > 0.1, "fixture embeddings must be non-trivial");
                // why this bound: PyTorch 1.13's oneDNN and ours sum in different orders per CPU; Float32Tolerance bounds that
                // by IResNet18's depth and largest fan-in (≈ 4e-4 of the largest |e|), while one wrong tensor moves them by far more
                double rel = Float32Tolerance.relative(backbone);
                double diff = ServeTesting.maxAbsDiff(ours, theirs);
                assertTrue(diff <= rel * ServeTesting.maxAbs(theirs),
                        weights + ": max |ours − PyTorch| = " + diff + " exceeds " + rel + " × max |e| " + ServeTesting.maxAbs(theirs));
                Trainer.Summary trained = t.run();
                assertEquals(2, trained.steps());
                assertTrue(Double.isFinite(trained.loss()), "fine-tuning runs on: loss " + trained.loss());
            }
        }
    }

    @Test
    void aMissingPathOrAnotherArchitectureIsRefusedNamingTheKey(@TempDir Path dir) {
        ConfigException missing = assertThrows(ConfigException.class,
                () -> fineTune(dir.resolve("a"), "pretrained_model=" + dir.resolve("nothing-here")));
        assertEquals("pretrained_model", missing.key());
        assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());
        ConfigException other = assertThrows(ConfigException.class,
                () -> fineTune(dir.resolve("b"), "pretrained_model=" + pretrained.resolve("backbone.pt"), "model_name=MobileFaceNet"));
        assertEquals("pretrained_model", other.key());
        assertTrue(other.getMessage().contains("is not a MobileFaceNet backbone"), other.getMessage());
        ConfigException head = assertThrows(ConfigException.class,
                () -> fineTune(dir.resolve("c"), "pretrained_model=" + pretrained.resolve("head-rank-0-of-1.pt")));
        assertEquals("pretrained_model", head.key());
        assertTrue(head.getMessage().contains("is not a " + TinyBackbone.class.getName() + " backbone"), head.getMessage());
        ConfigException shapes = assertThrows(ConfigException.class,
                () -> fineTune(dir.resolve("d"), "pretrained_model=" + pretrained.resolve("backbone.pt"), "emb_dim=32"));
        assertEquals("pretrained_model", shapes.key());
        assertTrue(shapes.getMessage().contains("[16, ") && shapes.getMessage().contains("[32, "), "names both shapes: " + shapes.getMessage());
    }
}
