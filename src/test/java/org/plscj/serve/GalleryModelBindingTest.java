package org.plscj.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A persisted gallery belongs to the model that made its templates: another model's server refuses it naming both
 * fingerprints unless told to accept exactly that one; a deleted identity's template leaves the files at the next
 * compaction.
 */
class GalleryModelBindingTest {
    private static final String MODEL_A = "a".repeat(64);
    private static final String MODEL_B = "b".repeat(64);

    @TempDir
    Path dir;

    private FaceServer server(String fingerprint, String acceptFrom) throws Exception {
        ServeConfig config = ServeConfig.defaults().withAddress("127.0.0.1", 0).withGallery(dir, 10).withGalleryFrom(acceptFrom);
        return new FaceServer(new SliceEngine(0), new ServedModel("model-" + fingerprint.charAt(0), fingerprint, null, null, null), config);
    }

    private void enrol(String fingerprint, String id) throws Exception {
        try (FaceServer s = server(fingerprint, null)) {
            ServeHttp client = new ServeHttp(s.start(), null);
            String body = "{\"id\": \"" + id + "\", \"images\": " + ServeHttp.images(ServeHttp.png(id.hashCode())) + "}";
            assertEquals(200, client.post("/v1/gallery", body).statusCode());
        }
    }

    private JsonNode record() throws Exception {
        return new ObjectMapper().readTree(dir.resolve(GalleryBinding.FILE).toFile());
    }

    @Test
    void aGalleryMadeByAnotherModelIsRefusedNamingBothFingerprints() throws Exception {
        enrol(MODEL_A, "alice");
        assertEquals(MODEL_A, record().get("model_fingerprint").asText());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> server(MODEL_B, null));
        assertTrue(e.getMessage().contains(dir.toString()) && e.getMessage().contains("made by model " + MODEL_A)
                && e.getMessage().contains("runs model " + MODEL_B) && e.getMessage().contains("--accept-gallery-from " + MODEL_A)
                && e.getMessage().contains("plsc gallery re-enrol"), e.getMessage());
        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class, () -> server(MODEL_B, "c".repeat(64)));
        assertTrue(wrong.getMessage().contains("names neither"), wrong.getMessage());
        assertEquals(MODEL_A, record().get("model_fingerprint").asText(), "a refusal changes nothing");
    }

    @Test
    void acceptingTheOldFingerprintBindsTheGalleryToTheNewModelAndKeepsItsTemplates() throws Exception {
        enrol(MODEL_A, "alice");
        try (FaceServer s = server(MODEL_B, MODEL_A)) {
            JsonNode list = ServeHttp.json(new ServeHttp(s.start(), null).get("/v1/gallery"));
            assertEquals("alice", list.get("ids").get(0).asText());
        }
        assertEquals(MODEL_B, record().get("model_fingerprint").asText());
        assertEquals(MODEL_A, record().get("accepted_from").get(0).asText());
        server(MODEL_B, null).close();
        assertThrows(IllegalArgumentException.class, () -> server(MODEL_A, null), "now bound to B, the old model is refused too");
    }

    @Test
    void aGalleryFromBeforeFingerprintsIsAcceptedOnlyWhenSaidSo() throws Exception {
        enrol(MODEL_A, "alice");
        Files.delete(dir.resolve(GalleryBinding.FILE));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> server(MODEL_A, null));
        assertTrue(e.getMessage().contains("made by model " + GalleryBinding.UNRECORDED), e.getMessage());
        server(MODEL_A, GalleryBinding.UNRECORDED).close();
        assertEquals(MODEL_A, record().get("model_fingerprint").asText());
    }

    /** The bytes a gallery file holds for {@code template} (big-endian floats, as DataOutputStream writes them). */
    private static byte[] bytesOf(float[] template) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        for (float x : template) {
            out.writeFloat(x);
        }
        return bytes.toByteArray();
    }

    private boolean anyFileHolds(byte[] needle) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                byte[] hay = Files.readAllBytes(f);
                for (int i = 0; i + needle.length <= hay.length; i++) {
                    if (java.util.Arrays.equals(hay, i, i + needle.length, needle, 0, needle.length)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    @Test
    void aDeletedIdentitysTemplateLeavesTheFilesAtTheNextCompaction() throws Exception {
        float[] alice = {0.6f, 0.8f, 0, 0};
        byte[] aliceBytes = bytesOf(alice);
        try (Gallery g = Gallery.open(dir, 4, 10, 100)) {
            g.enrol("alice", new float[][] {alice});
            g.enrol("bob", new float[][] {{0, 0, 1, 0}});
            g.delete("alice");
            assertTrue(anyFileHolds(aliceBytes), "until compaction the log still holds the enrolment record");
        }
        // closing compacts: a snapshot of the live templates replaces the log
        assertFalse(anyFileHolds(aliceBytes), "the deleted template is in no file");
        assertFalse(anyFileHolds("alice".getBytes()), "nor is the deleted id");
        try (Gallery g = Gallery.open(dir, 4, 10, 100)) {
            assertEquals(List.of("bob"), g.ids());
        }
    }

    @Test
    void reEnrolmentBuildsANewGalleryOfTheNewModelFromAFolderPerIdentity(@TempDir Path images) throws Exception {
        for (String id : List.of("alice", "bob")) {
            Path folder = Files.createDirectories(images.resolve(id));
            for (int k = 0; k < 2; k++) {
                Files.write(folder.resolve(k + ".png"), java.util.Base64.getDecoder().decode(ServeHttp.png(id.hashCode() + k)));
            }
        }
        Files.createDirectories(images.resolve(".thumbnails"));
        ServedModel b = new ServedModel("model-b", MODEL_B, null, null, null);
        GalleryReEnrolment.Result r = GalleryReEnrolment.run(new SliceEngine(0), b, images, dir, 10);
        assertEquals(new GalleryReEnrolment.Result(2, 4), r);
        assertEquals(MODEL_B, record().get("model_fingerprint").asText());
        try (FaceServer s = server(MODEL_B, null)) {
            ServeHttp client = new ServeHttp(s.start(), null);
            String query = "{\"images\": " + ServeHttp.images(ServeHttp.png("bob".hashCode() + 1)) + ", \"gallery\": true, \"k\": 1}";
            assertEquals("bob", ServeHttp.json(client.post("/v1/identify", query)).get("results").get(0).get(0).get("id").asText());
        }
        IllegalArgumentException again = assertThrows(IllegalArgumentException.class,
                () -> GalleryReEnrolment.run(new SliceEngine(0), b, images, dir, 10));
        assertTrue(again.getMessage().contains("is not empty"), again.getMessage());
        Files.createDirectories(images.resolve("no images"));
        IllegalArgumentException badId = assertThrows(IllegalArgumentException.class,
                () -> GalleryReEnrolment.run(new SliceEngine(0), b, images, dir.resolveSibling("other"), 10));
        assertTrue(badId.getMessage().contains(images.resolve("no images").toString()), badId.getMessage());
    }
}
