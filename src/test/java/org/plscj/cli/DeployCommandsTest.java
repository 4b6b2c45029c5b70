package org.plscj.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.plscj.export.BundleMeta;
import org.plscj.serve.TestBundles;
import org.plscj.tensor.Native;
import picocli.CommandLine;

/** plsc export and plsc predict as a user runs them: exit codes, files, one-line errors. */
class DeployCommandsTest {
    @TempDir
    Path root;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeAll
    static void load() {
        Native.load();
    }

    @Test
    void exportThenPredict() throws Exception {
        Path checkpoint = TestBundles.checkpoint(root.resolve("run"), 300);
        Path bundle = root.resolve("bundle");
        assertEquals(0, run("export", "--checkpoint", checkpoint.toString(), "--out", bundle.toString(), "--centres", "fp16"), err.toString());
        assertTrue(out.toString().contains("300 centres (fp16)"), out.toString());
        assertTrue(Files.isRegularFile(bundle.resolve(BundleMeta.ONNX)));
        // the server keeps them as exported: half the memory, and a pass over them reads half the bytes
        assertEquals(org.bytedeco.pytorch.global.torch.ScalarType.Half,
                org.plscj.tensor.Tensors.dtype(org.plscj.serve.ModelBundle.open(bundle).centres()));

        assertEquals(2, run("export", "--checkpoint", checkpoint.toString(), "--out", bundle.toString()));
        assertTrue(err.toString().contains("already exists"), err.toString());
        assertEquals(2, run("export", "--checkpoint", checkpoint.toString(), "--out", root.resolve("b2").toString(), "--centres", "int4"));
        assertTrue(err.toString().contains("--centres must be fp32, fp16, int8 or none"), err.toString());

        Path images = Files.createDirectories(root.resolve("images"));
        for (int i = 0; i < 3; i++) {
            ImageIO.write(new BufferedImage(112, 112, BufferedImage.TYPE_INT_RGB), "jpg", images.resolve(i + ".jpg").toFile());
        }
        Path npy = root.resolve("e.npy");
        assertEquals(0, run("predict", "--model", bundle.toString(), "--data", images.toString(), "--out", npy.toString(),
                "--engine", "onnx", "--normalize"), err.toString());
        assertTrue(out.toString().contains("3 x " + TestBundles.EMB_DIM), out.toString());
        assertTrue(err.toString().contains("predict: 3/3 images (100%), "), "progress on stderr: " + err);
        assertEquals(128 + 3L * 4 * TestBundles.EMB_DIM, Files.size(npy));

        Path fromOnnx = root.resolve("o.npy");
        assertEquals(0, run("predict", "--model", bundle.resolve(BundleMeta.ONNX).toString(), "--data", images.toString(), "--out",
                fromOnnx.toString(), "--normalize"), err.toString());
        assertEquals(Files.size(npy), Files.size(fromOnnx), "a bare .onnx file embeds like its bundle");
        Path fromCheckpoint = root.resolve("c.npy");
        assertEquals(0, run("predict", "--model", checkpoint.toString(), "--data", images.toString(), "--out", fromCheckpoint.toString()),
                err.toString());
        assertEquals(Files.size(npy), Files.size(fromCheckpoint), "so does the checkpoint the bundle was exported from");
        assertEquals(2, run("predict", "--model", images.toString(), "--data", images.toString(), "--out", fromCheckpoint.toString()));
        assertTrue(err.toString().contains(images + " is neither a bundle (no model.json) nor a checkpoint (no meta.json) nor a model_save_dir"),
                err.toString());
    }

    private static String sha256(Path file) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    @Test
    void importRecordsTheWeightsFileSourceAndLicenceAndGalleryReEnrolBindsToTheBundle() throws Exception {
        Path weights = root.resolve("weights.pt");
        org.plscj.checkpoint.TorchFile.write(weights, new java.util.LinkedHashMap<>(org.plscj.checkpoint.CheckpointStore.stateDict(
                org.plscj.model.Backbones.create(TestBundles.MODEL, TestBundles.EMB_DIM))));
        Path bundle = root.resolve("imported");
        assertEquals(0, run("import", "--pytorch", weights.toString(), "--model", TestBundles.MODEL, "--emb-dim", "" + TestBundles.EMB_DIM,
                "--source", "https://example.org/weights", "--source-license", "non-commercial research only", "--out", bundle.toString()),
                err.toString());
        com.fasterxml.jackson.databind.JsonNode json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(bundle.resolve(BundleMeta.FILE).toFile());
        assertEquals(sha256(bundle.resolve(BundleMeta.BACKBONE)), json.get("fingerprint").asText());
        assertTrue(out.toString().contains("fingerprint " + json.get("fingerprint").asText()), out.toString());
        assertTrue(out.toString().contains("input std 127.5 folded into "), "arcface_torch's pixel scale by default: " + out);
        com.fasterxml.jackson.databind.JsonNode provenance = json.get("provenance");
        assertEquals(weights.toAbsolutePath().normalize().toString(), provenance.get("weights_file").asText());
        assertEquals(sha256(weights), provenance.get("weights_file_sha256").asText());
        assertEquals("https://example.org/weights", provenance.get("weights_source").asText());
        assertEquals("non-commercial research only", provenance.get("source_license").asText());

        Path unstated = root.resolve("unstated");
        assertEquals(0, run("import", "--pytorch", weights.toString(), "--model", TestBundles.MODEL, "--emb-dim", "" + TestBundles.EMB_DIM,
                "--out", unstated.toString()), err.toString());
        assertEquals("unstated", new com.fasterxml.jackson.databind.ObjectMapper().readTree(unstated.resolve(BundleMeta.FILE).toFile())
                .get("provenance").get("source_license").asText());

        Path photos = Files.createDirectories(root.resolve("photos").resolve("alice"));
        ImageIO.write(new BufferedImage(112, 112, BufferedImage.TYPE_INT_RGB), "png", photos.resolve("0.png").toFile());
        Path gallery = root.resolve("gallery");
        assertEquals(0, run("gallery", "re-enrol", "--model", bundle.toString(), "--images", root.resolve("photos").toString(),
                "--gallery-dir", gallery.toString()), err.toString());
        assertTrue(out.toString().contains("1 identities from 1 images"), out.toString());
        assertTrue(Files.readString(gallery.resolve("gallery.json")).contains(json.get("fingerprint").asText()));
    }

    private int run(String... args) {
        CommandLine cl = Plsc.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }
}
