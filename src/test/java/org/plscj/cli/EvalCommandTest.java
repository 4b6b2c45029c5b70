package org.plscj.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.plscj.data.BatchTensor;
import org.plscj.data.DataConvert;
import org.plscj.data.ImageDecoder;
import org.plscj.eval.CheckpointEvaluation;
import org.plscj.eval.VerificationBinWriter;
import org.plscj.eval.VerificationSet;
import org.plscj.model.Backbone;
import org.plscj.tensor.Native;
import org.plscj.testing.Jvm;
import org.plscj.testing.NpyFiles;
import org.plscj.testing.ServeTesting;
import org.plscj.testing.TinyRun;
import org.plscj.train.Trainer;
import picocli.CommandLine;

/** {@code plsc eval} in-process on the checkpoint of a tiny training run. */
class EvalCommandTest {
    @TempDir
    static Path shared;

    private static Path data;
    private static Path saved;
    private static Trainer.Summary trained;

    @BeforeAll
    static void train() throws Exception {
        Native.load();
        data = shared.resolve("data");
        saved = shared.resolve("saved");
        TinyRun.writeData(data);
        trained = TinyRun.train(TinyRun.config(data, saved, "test_period=6"), false);
    }

    private record Run(int exit, String out, String err) {}

    private static Run eval(String... args) {
        CommandLine cl = Plsc.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        String[] all = new String[args.length + 1];
        all[0] = "eval";
        System.arraycopy(args, 0, all, 1, args.length);
        return new Run(cl.execute(all), out.toString(), err.toString());
    }

    @Test
    void scoresTheNewestCheckpointAsTheTrainersFinalTestDid(@TempDir Path dir) throws Exception {
        double expected = trained.validation().get(TinyRun.TARGET).accuracy();
        Path json = dir.resolve("out").resolve("eval.json");

        Run run = eval("--model", saved.toString(), "--targets", TinyRun.TARGET, "--data-dir", data.toString(),
                "--json-out", json.toString(), "--roc-dir", dir.resolve("roc").toString());

        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains(String.format("%.5f ± ", expected)), run.out());
        assertTrue(run.err().contains(" images (100%), "), "the embedding's progress on stderr: " + run.err());
        JsonNode written = new ObjectMapper().readTree(json.toFile());
        assertEquals(expected, written.path("targets").path(TinyRun.TARGET).path("accuracy").doubleValue(),
                "same weights, same code: the same accuracy");
        assertEquals(6, written.path("step").longValue());
        assertEquals(trained.lastCheckpoint().toString(), written.path("checkpoint").asText());
        assertTrue(Files.isRegularFile(dir.resolve("roc").resolve(TinyRun.TARGET + "-roc.png")));
        assertTrue(Files.isRegularFile(dir.resolve("roc").resolve(TinyRun.TARGET + "-roc.csv")));
    }

    @Test
    void twoLaunchedWorkersSplitTheImagesAndRankZeroAloneReports(@TempDir Path dir) throws Exception {
        double expected = trained.validation().get(TinyRun.TARGET).accuracy();
        Path json = dir.resolve("eval.json");

        Jvm.Running launch = Jvm.plsc(List.of("launch", "--nproc", "2", "--master-port", "0", "--", "eval", "--timeout", "120",
                "--model", saved.toString(), "--targets", TinyRun.TARGET, "--data-dir", data.toString(), "--json-out", json.toString()));

        assertEquals(0, launch.waitFor(300), launch.output());
        assertTrue(launch.output().contains("[rank 0] " + TinyRun.TARGET), launch.output());
        assertFalse(launch.output().contains("[rank 1] " + TinyRun.TARGET), launch.output());
        assertEquals(expected, new ObjectMapper().readTree(json.toFile()).path("targets").path(TinyRun.TARGET).path("accuracy")
                .doubleValue());
    }

    @Test
    void aCheckpointDirectoryWritesItsJsonAndRocBesideItsFiles() throws Exception {
        Path checkpoint = trained.lastCheckpoint();

        Run run = eval("--model", checkpoint.toString(), "--targets", TinyRun.TARGET, "--data-dir", data.toString());

        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("wrote " + checkpoint.resolve("eval.json")), run.out());
        assertTrue(Files.isRegularFile(checkpoint.resolve(TinyRun.TARGET + "-roc.csv")));
    }

    @Test
    void aMissingTargetIsNamedWithTheSetsThatExist() {
        Run run = eval("--model", saved.toString(), "--targets", TinyRun.TARGET + ",lfw", "--data-dir", data.toString());

        assertEquals(Plsc.BAD_INPUT, run.exit());
        assertTrue(run.err().contains(data + " has no lfw.bin; the verification sets there are " + TinyRun.TARGET), run.err());
    }

    @Test
    void aDirectoryThatIsNoCheckpointIsRefused(@TempDir Path empty) {
        Run run = eval("--model", empty.toString(), "--targets", TinyRun.TARGET, "--data-dir", data.toString());

        assertEquals(Plsc.BAD_INPUT, run.exit());
        assertTrue(run.err().contains(empty + " is not a checkpoint: it has no meta.json"), run.err());
    }

    @Test
    void identifiesProbesAgainstAGalleryHoldingTheSameImages(@TempDir Path dir) throws Exception {
        Path faces = dir.resolve("faces");
        DataConvert.fromGenerator(TinyRun.CLASSES, 2, 11, 0, faces, 1);
        Path json = dir.resolve("identify.json");

        Run run = eval("--model", saved.toString(), "--identify", "--gallery", faces.toString(), "--probes", faces.toString(),
                "--json-out", json.toString());

        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("top-1 1.00000, top-5 1.00000 over " + 2 * TinyRun.CLASSES + " probes"), run.out());
        assertEquals(2, run.err().lines().filter(l -> l.startsWith("embed: " + 2 * TinyRun.CLASSES + "/" + 2 * TinyRun.CLASSES + " images (100%)"))
                .count(), "the gallery's and the probes' embedding each report progress: " + run.err());
        JsonNode written = new ObjectMapper().readTree(json.toFile());
        assertEquals(1.0, written.path("top1").doubleValue(), "each probe's own image is in the gallery");
        assertEquals(Math.min(TinyRun.CLASSES, 20), written.path("cmc").size());
    }

    @Test
    void aBundleIdentifiesAsItsCheckpointAndWritesBothSetsFeatures(@TempDir Path dir) throws Exception {
        Path checkpoint = org.plscj.serve.TestBundles.checkpoint(dir.resolve("run"), 10);
        Path bundle = dir.resolve("bundle");
        org.plscj.export.BundleWriter.fromCheckpoint(checkpoint, bundle, org.plscj.export.CentresPrecision.NONE, null);
        Path gallery = dir.resolve("gallery");
        Path probes = dir.resolve("probes");
        DataConvert.fromGenerator(TinyRun.CLASSES, 2, 11, 0, gallery, 1);
        DataConvert.fromGenerator(TinyRun.CLASSES, 1, 12, 0, probes, 1);

        Run fromCheckpoint = eval("--model", checkpoint.toString(), "--identify", "--gallery", gallery.toString(), "--probes",
                probes.toString(), "--json-out", dir.resolve("checkpoint.json").toString());
        Path npy = dir.resolve("features.npy");
        Run fromBundle = eval("--model", bundle.toString(), "--identify", "--gallery", gallery.toString(), "--probes", probes.toString(),
                "--features-out", npy.toString());

        assertEquals(0, fromCheckpoint.exit(), fromCheckpoint.err());
        assertEquals(0, fromBundle.exit(), fromBundle.err());
        JsonNode expected = new ObjectMapper().readTree(dir.resolve("checkpoint.json").toFile());
        JsonNode written = new ObjectMapper().readTree(bundle.resolve("identify.json").toFile());
        assertEquals(expected.path("cmc"), written.path("cmc"), "the same weights through the bundle's engine: the same ranks");
        assertTrue(written.path("step").isMissingNode(), "a bundle has no training step");
        assertEquals(2L * TinyRun.CLASSES, NpyFiles.read(dir.resolve("features-gallery.npy")).shape()[0]);
        assertEquals((long) TinyRun.CLASSES, NpyFiles.read(dir.resolve("features-probes.npy")).shape()[0]);
    }

    @Test
    void identificationReportsNameTheMissedIdentitiesFromTheGallerysLabels(@TempDir Path dir) throws Exception {
        Path faces = dir.resolve("faces");
        DataConvert.fromGenerator(TinyRun.CLASSES, 1, 11, 0, faces, 1);
        List<String> names = new java.util.ArrayList<>();
        for (int c = 0; c < TinyRun.CLASSES; c++) {
            names.add("person " + c);
        }
        org.plscj.labels.LabelMap.numbered(names, "test").write(faces.resolve(org.plscj.labels.LabelMap.FILE));
        // the same images as probes, each labelled as the next identity: its own image (score 1) outranks its truth
        Path probes = Files.createDirectories(dir.resolve("probes"));
        StringBuilder lines = new StringBuilder();
        org.plscj.data.PlscDataset.open(faces).scan(org.plscj.data.PlscDataset.ReadOptions.strict(), (r, text) ->
                lines.append(org.plscj.data.PlscRecord.format(r.image(), (r.label() + 1) % TinyRun.CLASSES)).append('\n'));
        Files.writeString(probes.resolve("part-00000"), lines);
        Files.writeString(probes.resolve(org.plscj.data.PlscDataset.FILE_LIST), "part-00000\n");
        Path json = dir.resolve("identify.json");

        Run run = eval("--model", saved.toString(), "--identify", "--gallery", faces.toString(), "--probes", probes.toString(),
                "--json-out", json.toString());

        assertEquals(0, run.exit(), run.err());
        JsonNode written = new ObjectMapper().readTree(json.toFile());
        assertEquals(TinyRun.CLASSES, written.path("misses_total").asInt(), written.toString());
        assertEquals(faces.resolve(org.plscj.labels.LabelMap.FILE).toString(), written.path("labels").asText());
        for (JsonNode miss : written.path("misses")) {
            int probe = miss.path("probe").asInt();
            int truth = (probe + 1) % TinyRun.CLASSES;
            assertEquals(truth, miss.path("class").asInt(), miss.toString());
            assertEquals("person " + truth, miss.path("name").asText(), miss.toString());
            assertTrue(miss.path("rank").asInt() > 1, miss.toString());
        }
    }

    @Test
    void aBundleAndItsBareOnnxFileScoreTheSetsAsTheirCheckpoint(@TempDir Path dir) throws Exception {
        // TinyRun's backbone has no ONNX export: an untrained exportable TinyFaceNet checkpoint on TinyRun's set
        Path checkpoint = org.plscj.serve.TestBundles.checkpoint(dir.resolve("run"), 10);
        Path bundle = dir.resolve("bundle");
        org.plscj.export.BundleWriter.fromCheckpoint(checkpoint, bundle, org.plscj.export.CentresPrecision.NONE, null);

        Run fromCheckpoint = eval("--model", checkpoint.toString(), "--targets", TinyRun.TARGET, "--data-dir", data.toString(),
                "--json-out", dir.resolve("checkpoint.json").toString());
        Run torch = eval("--model", bundle.toString(), "--targets", TinyRun.TARGET, "--data-dir", data.toString());
        Run onnx = eval("--model", bundle.resolve(org.plscj.export.BundleMeta.ONNX).toString(), "--targets", TinyRun.TARGET,
                "--data-dir", data.toString(), "--json-out", dir.resolve("onnx.json").toString());

        assertEquals(0, fromCheckpoint.exit(), fromCheckpoint.err());
        double expected = new ObjectMapper().readTree(dir.resolve("checkpoint.json").toFile()).path("targets").path(TinyRun.TARGET)
                .path("accuracy").doubleValue();
        assertEquals(0, torch.exit(), torch.err());
        assertEquals(expected, new ObjectMapper().readTree(bundle.resolve("eval.json").toFile()).path("targets").path(TinyRun.TARGET)
                .path("accuracy").doubleValue(), "the same weights through the bundle's engine: the same accuracy");
        assertEquals(0, onnx.exit(), onnx.err());
        JsonNode written = new ObjectMapper().readTree(dir.resolve("onnx.json").toFile());
        // onnxruntime's float32 kernels differ from libtorch's in the last bits: a pair at the threshold may flip,
        // and one pair moves the accuracy by 1/pairs (well under 0.02 here)
        assertEquals(expected, written.path("targets").path(TinyRun.TARGET).path("accuracy").doubleValue(), 0.02);
        assertTrue(written.path("step").isMissingNode(), "a bundle or .onnx has no training step");
        assertTrue(Files.isRegularFile(dir.resolve(TinyRun.TARGET + "-roc.png")));
    }

    @Test
    void binFeaturesOutHoldsEachImagesFlipSumBeforeNormalisationInTheSetsOrder(@TempDir Path dir) throws Exception {
        Path npy = dir.resolve("features.npy");
        Run run = eval("--model", saved.toString(), "--targets", TinyRun.TARGET, "--data-dir", data.toString(),
                "--json-out", dir.resolve("eval.json").toString(), "--features-out", npy.toString());
        assertEquals(0, run.exit(), run.err());

        VerificationSet set = VerificationSet.read(data.resolve(TinyRun.TARGET + ".bin"));
        NpyFiles.Npy written = NpyFiles.read(npy);
        float[] features = NpyFiles.floats(written);
        int dim = (int) written.shape()[1];
        assertEquals(set.images().size(), written.shape()[0]);
        // the reference: the checkpoint's backbone on each image and its mirror, one image at a time, summed
        ImageDecoder decoder = ImageDecoder.plsc();
        try (Backbone backbone = CheckpointEvaluation.loadBackbone(CheckpointEvaluation.locate(saved)); PointerScope scope = new PointerScope()) {
            backbone.eval();
            for (int i = 0; i < set.images().size(); i++) {
                float[] pixels = new float[decoder.sampleSize()];
                decoder.decodeInto(set.images().get(i), "image " + i, false, pixels, 0);
                Tensor image = BatchTensor.of(pixels, 1, ImageDecoder.PLSC_SIZE, ImageDecoder.PLSC_SIZE);
                float[] plain = ServeTesting.embed(backbone, image)[0];
                float[] mirrored = ServeTesting.embed(backbone, image.flip(3))[0];
                double norm = 0;
                for (int j = 0; j < dim; j++) {
                    norm += (double) (plain[j] + mirrored[j]) * (plain[j] + mirrored[j]);
                }
                for (int j = 0; j < dim; j++) {
                    // why 1e-4 of the row's norm: batch 1 here, the set's batch there — float32 kernels may sum in another
                    // order (a few ulps of each output), and the sum is not normalised, so its norm is the scale
                    assertEquals(plain[j] + mirrored[j], features[i * dim + j], 1e-4 * Math.sqrt(norm), "image " + i + " value " + j);
                }
            }
        }
    }

    @Test
    void aBinImageThatDoesNotDecodeStopsTheRunNamingItOrWithSkipBadIsCountedAndItsPairUnscored(@TempDir Path dir) throws Exception {
        VerificationSet set = VerificationSet.read(data.resolve(TinyRun.TARGET + ".bin"));
        List<byte[]> images = new ArrayList<>(set.images());
        images.set(3, "not an image".getBytes(StandardCharsets.US_ASCII));
        VerificationBinWriter.write(dir.resolve("broken.bin"), new VerificationSet(images, set.issame()));

        Run strict = eval("--model", saved.toString(), "--targets", "broken", "--data-dir", dir.toString(),
                "--json-out", dir.resolve("strict.json").toString());
        assertEquals(2, strict.exit(), strict.err());
        assertTrue(strict.err().contains(dir.resolve("broken.bin") + " image 3"), strict.err());

        Path npy = dir.resolve("features.npy");
        Run skipping = eval("--model", saved.toString(), "--targets", "broken", "--data-dir", dir.toString(), "--skip-bad",
                "--json-out", dir.resolve("eval.json").toString(), "--features-out", npy.toString());
        assertEquals(0, skipping.exit(), skipping.err());
        assertTrue(skipping.out().contains("broken: 1 images skipped, 1 pairs unscored"), skipping.out());
        JsonNode target = new ObjectMapper().readTree(dir.resolve("eval.json").toFile()).path("targets").path("broken");
        assertEquals(1, target.path("unscored_pairs").asInt());
        assertTrue(target.path("skipped_images").get(0).asText().contains("image 3"), target.toString());
        NpyFiles.Npy written = NpyFiles.read(npy);
        float[] features = NpyFiles.floats(written);
        int dim = (int) written.shape()[1];
        assertTrue(Float.isNaN(features[3 * dim]), "the skipped image's row is NaN");
        assertFalse(Float.isNaN(features[2 * dim]), "its pair partner keeps its features");
    }

    @Test
    void eachModeNamesTheOptionItLacks() {
        Run identify = eval("--model", saved.toString(), "--identify", "--probes", data.toString());
        assertEquals(CommandLine.ExitCode.USAGE, identify.exit());
        assertTrue(identify.err().contains("plsc eval needs --gallery with --identify"), identify.err());

        Run verify = eval("--model", saved.toString(), "--targets", TinyRun.TARGET);
        assertEquals(CommandLine.ExitCode.USAGE, verify.exit());
        assertTrue(verify.err().contains("plsc eval needs --data-dir without --identify"), verify.err());
    }
}
