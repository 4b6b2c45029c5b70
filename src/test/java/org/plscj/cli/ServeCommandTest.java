package org.plscj.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.plscj.export.CentresPrecision;
import org.plscj.serve.TestBundles;
import org.plscj.tensor.Native;
import org.plscj.testing.Jvm;
import picocli.CommandLine;

/** {@code plsc serve} as users start it: a key from a file, a gallery directory, SIGTERM → exit 0; options checked first. */
class ServeCommandTest {
    private static final String KEY = "serve-command-test-key-0123456789";
    private static final Pattern SERVING = Pattern.compile("on http://127\\.0\\.0\\.1:(\\d+) ");

    @TempDir
    Path root;

    @Test
    void servesOnLoopbackWithTheKeyFileAndADurableGalleryThenExitsZeroOnSigterm() throws Exception {
        Native.load();
        Path bundle = TestBundles.bundle(root, 10, CentresPrecision.FP32);
        Path key = Files.writeString(root.resolve("key"), KEY + "\n");
        Jvm.Running plsc = Jvm.plsc(List.of("serve", "--model", bundle.toString(), "--port", "0", "--api-key-file", key.toString(),
                "--gallery-dir", root.resolve("gallery").toString()));
        try {
            plsc.awaitLine("serving ", 120);
            Matcher m = SERVING.matcher(plsc.output());
            assertTrue(m.find(), "binds 127.0.0.1 by default: " + plsc.output());
            String base = "http://127.0.0.1:" + m.group(1);
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            assertEquals(401, http.send(HttpRequest.newBuilder(URI.create(base + "/v1/gallery")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode());
            HttpResponse<String> list = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/gallery"))
                    .header("Authorization", "Bearer " + KEY).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, list.statusCode(), list.body());
            assertTrue(plsc.output().contains("persisted in " + root.resolve("gallery")), plsc.output());
            assertTrue(plsc.process.toHandle().destroy(), "SIGTERM sent");
            assertEquals(0, plsc.waitFor(60), plsc.output());
            assertTrue(Files.exists(root.resolve("gallery").resolve("gallery.snapshot")), "a clean stop writes a last snapshot");
        } finally {
            plsc.process.destroyForcibly();
        }
    }

    @Test
    void aCertificateWithoutItsKeyOrAShortKeyIsRefusedBeforeAnythingLoads() throws IOException {
        StringWriter err = new StringWriter();
        assertEquals(2, run(err, "serve", "--model", root.toString(), "--tls-cert", "cert.pem"));
        assertTrue(err.toString().contains("--tls-cert and --tls-key go together"), err.toString());
        Path shortKey = Files.writeString(root.resolve("short"), "secret\n");
        err = new StringWriter();
        assertEquals(Plsc.BAD_INPUT, run(err, "serve", "--model", root.toString(), "--api-key-file", shortKey.toString()));
        assertTrue(err.toString().contains(shortKey + ": an API key must be at least 16"), err.toString());
    }

    @Test
    void aGalleryEnrolledByAnotherBundleIsRefusedNamingBothFingerprints() throws Exception {
        Native.load();
        // why seeded: TestBundles' calibration reseeds the generator, so unseeded bundles made one after another are equal
        org.bytedeco.pytorch.global.torch.manual_seed(1);
        Path a = TestBundles.bundle(root.resolve("a"), 10, CentresPrecision.FP32);
        org.bytedeco.pytorch.global.torch.manual_seed(2);
        Path b = TestBundles.bundle(root.resolve("b"), 10, CentresPrecision.FP32);
        String fingerprintA = org.plscj.serve.ModelBundle.open(a).fingerprint();
        String fingerprintB = org.plscj.serve.ModelBundle.open(b).fingerprint();
        // checked first: with equal models the server would start and serve until stopped
        org.junit.jupiter.api.Assertions.assertNotEquals(fingerprintA, fingerprintB, "two different models");
        Path photos = Files.createDirectories(root.resolve("photos").resolve("alice"));
        javax.imageio.ImageIO.write(new java.awt.image.BufferedImage(112, 112, java.awt.image.BufferedImage.TYPE_INT_RGB), "png",
                photos.resolve("0.png").toFile());
        Path gallery = root.resolve("gallery");
        StringWriter err = new StringWriter();
        assertEquals(0, run(err, "gallery", "re-enrol", "--model", a.toString(), "--images", root.resolve("photos").toString(),
                "--gallery-dir", gallery.toString()), err.toString());

        assertEquals(Plsc.BAD_INPUT, run(err, "serve", "--model", b.toString(), "--port", "0", "--gallery-dir", gallery.toString()));
        assertTrue(err.toString().contains("made by model " + fingerprintA) && err.toString().contains("runs model " + fingerprintB)
                && err.toString().contains("--accept-gallery-from " + fingerprintA), err.toString());
    }

    private static int run(StringWriter err, String... args) {
        CommandLine cl = Plsc.commandLine();
        cl.setOut(new PrintWriter(new StringWriter(), true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }
}
