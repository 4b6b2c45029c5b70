package org.plscj.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.plscj.testing.Jvm;

/** Enrolments under --gallery-dir survive a kill -9 and a torn log tail; delete, list and the limits on ids and size. */
class GalleryDurabilityTest {
    @TempDir
    Path dir;

    private static String enrolBody(String id, String... images) {
        return "{\"id\": \"" + id + "\", \"images\": " + ServeHttp.images(images) + "}";
    }

    private ServeConfig config() {
        return ServeConfig.defaults().withAddress("127.0.0.1", 0).withGallery(dir, 3);
    }

    @Test
    void anEnrolmentAnsweredBeforeAKill9IsFoundAfterTheRestart() throws Exception {
        String alice = ServeHttp.png(1);
        String bob = ServeHttp.png(2);
        Jvm.Running first = Jvm.start(ServeProcess.class.getName(), Map.of(), List.of(dir.toString(), "0", "8"));
        try {
            ServeHttp client = new ServeHttp(port(first), null);
            assertEquals(200, client.post("/v1/gallery", enrolBody("alice", alice)).statusCode());
            HttpResponse<String> r = client.post("/v1/gallery", enrolBody("bob", bob));
            assertEquals(200, r.statusCode(), r.body());
            assertTrue(ServeHttp.json(r).get("durable").asBoolean());
        } finally {
            first.process.destroyForcibly(); // SIGKILL: no shutdown code runs
            first.waitFor(30);
        }
        Jvm.Running second = Jvm.start(ServeProcess.class.getName(), Map.of(), List.of(dir.toString(), "0", "8"));
        try {
            ServeHttp client = new ServeHttp(port(second), null);
            assertEquals(2, ServeHttp.json(client.get("/v1/gallery")).get("count").asInt());
            JsonNode top = ServeHttp.json(client.post("/v1/identify", "{\"images\": " + ServeHttp.images(alice) + ", \"gallery\": true, \"k\": 1}"))
                    .get("results").get(0).get(0);
            assertEquals("alice", top.get("id").asText(), top.toString());
        } finally {
            second.process.destroyForcibly();
            second.waitFor(30);
        }
    }

    @Test
    void aTornLastLogRecordIsSkippedAndLaterEnrolmentsFollowTheLastGoodOne() throws Exception {
        byte[] log;
        try (FaceServer server = new FaceServer(new SliceEngine(0), "slices", null, null, config())) {
            ServeHttp client = new ServeHttp(server.start(), null);
            assertEquals(200, client.post("/v1/gallery", enrolBody("alice", ServeHttp.png(1))).statusCode());
            assertEquals(200, client.post("/v1/gallery", enrolBody("bob", ServeHttp.png(2))).statusCode());
            log = Files.readAllBytes(dir.resolve(GalleryStore.LOG_FILE));
            assertEquals(200, client.post("/v1/gallery", enrolBody("carol", ServeHttp.png(3))).statusCode());
            byte[] withCarol = Files.readAllBytes(dir.resolve(GalleryStore.LOG_FILE));
            // what a crash in the middle of appending carol's record leaves: alice, bob and half of carol
            log = Arrays.copyOf(withCarol, log.length + (withCarol.length - log.length) / 2);
        }
        Files.delete(dir.resolve(GalleryStore.SNAPSHOT)); // the clean stop wrote one; a crash would not have
        Files.write(dir.resolve(GalleryStore.LOG_FILE), log);
        try (FaceServer server = new FaceServer(new SliceEngine(0), "slices", null, null, config())) {
            ServeHttp client = new ServeHttp(server.start(), null);
            assertEquals(List.of("alice", "bob"), ids(client));
            assertEquals(200, client.post("/v1/gallery", enrolBody("dave", ServeHttp.png(4))).statusCode());
            log = Files.readAllBytes(dir.resolve(GalleryStore.LOG_FILE));
        }
        Files.delete(dir.resolve(GalleryStore.SNAPSHOT));
        Files.write(dir.resolve(GalleryStore.LOG_FILE), log);
        try (FaceServer server = new FaceServer(new SliceEngine(0), "slices", null, null, config())) {
            assertEquals(List.of("alice", "bob", "dave"), ids(new ServeHttp(server.start(), null)), "dave was appended after the cut, not after the garbage");
        }
    }

    @Test
    void aBadChecksumWithRecordsAfterItIsCorruptionAndStopsTheStartUp() throws Exception {
        try (FaceServer server = new FaceServer(new SliceEngine(0), "slices", null, null, config())) {
            ServeHttp client = new ServeHttp(server.start(), null);
            assertEquals(200, client.post("/v1/gallery", enrolBody("alice", ServeHttp.png(1))).statusCode());
            assertEquals(200, client.post("/v1/gallery", enrolBody("bob", ServeHttp.png(2))).statusCode());
            byte[] log = Files.readAllBytes(dir.resolve(GalleryStore.LOG_FILE));
            log[20] ^= 1; // inside alice's record
            Files.write(dir.resolve(GalleryStore.LOG_FILE).resolveSibling("corrupt.log"), log);
        }
        Files.delete(dir.resolve(GalleryStore.SNAPSHOT));
        Files.move(dir.resolve("corrupt.log"), dir.resolve(GalleryStore.LOG_FILE), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new FaceServer(new SliceEngine(0), "slices", null, null, config()));
        assertTrue(e.getMessage().contains(GalleryStore.LOG_FILE) && e.getMessage().contains("byte 0") && e.getMessage().contains("corrupt"),
                e.getMessage());
    }

    @Test
    void snapshotsReplaceTheLogEveryNRecordsAndReplayGivesTheSameGallery() throws Exception {
        float[][] e = {{1, 0, 0, 0}};
        try (Gallery g = Gallery.open(dir, 4, 10, 2)) {
            g.enrol("a", e);
            g.enrol("b", new float[][] {{0, 1, 0, 0}});
            assertTrue(Files.exists(dir.resolve(GalleryStore.SNAPSHOT)), "two records: a snapshot");
            assertEquals(0, Files.size(dir.resolve(GalleryStore.LOG_FILE)), "and an empty log");
            g.delete("a");
            g.enrol("c", new float[][] {{0, 0, 3, 0}});
            g.enrol("b", new float[][] {{0, 0, 0, 2}});
            assertTrue(Files.size(dir.resolve(GalleryStore.LOG_FILE)) > 0);
            Files.copy(dir.resolve(GalleryStore.SNAPSHOT), dir.resolve("crash.snapshot"));
            Files.copy(dir.resolve(GalleryStore.LOG_FILE), dir.resolve("crash.log"));
        }
        // the state a kill -9 would have left: the last periodic snapshot and the log after it
        Files.move(dir.resolve("crash.snapshot"), dir.resolve(GalleryStore.SNAPSHOT), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.move(dir.resolve("crash.log"), dir.resolve(GalleryStore.LOG_FILE), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        try (Gallery g = Gallery.open(dir, 4, 10, 2)) {
            Gallery.Snapshot s = g.snapshot();
            assertEquals(List.of("b", "c"), s.ids());
            assertEquals(1.0f, s.templates()[3], 1e-6, "b re-enrolled as the unit vector e3");
            assertEquals(1.0f, s.templates()[4 + 2], 1e-6, "c is the unit vector e2");
        }
    }

    @Test
    void deleteListAndTheLimitsOnIdsAndGallerySize() throws Exception {
        try (FaceServer server = new FaceServer(new SliceEngine(0), "slices", null, null, config())) {
            ServeHttp client = new ServeHttp(server.start(), null);
            for (String id : List.of("alice", "bob.smith@example", "c-3")) {
                assertEquals(200, client.post("/v1/gallery", enrolBody(id, ServeHttp.png(id.hashCode()))).statusCode());
            }
            HttpResponse<String> full = client.post("/v1/gallery", enrolBody("dave", ServeHttp.png(4)));
            assertEquals(409, full.statusCode(), full.body());
            assertTrue(full.body().contains("--max-gallery"), full.body());
            assertEquals(200, client.post("/v1/gallery", enrolBody("alice", ServeHttp.png(5))).statusCode(), "replacing fits");
            for (String bad : List.of("../etc", "x".repeat(129), "a b", "", "é")) {
                HttpResponse<String> r = client.post("/v1/gallery", enrolBody(bad, ServeHttp.png(4)));
                assertEquals(400, r.statusCode(), bad + ": " + r.body());
                assertTrue(r.body().contains("1-128 characters"), r.body());
            }
            assertEquals(200, client.delete("/v1/gallery/bob.smith@example").statusCode());
            assertEquals(404, client.delete("/v1/gallery/bob.smith@example").statusCode());
            assertEquals(List.of("alice", "c-3"), ids(client));
            assertEquals(200, client.post("/v1/gallery", enrolBody("dave", ServeHttp.png(4))).statusCode(), "room again after the delete");
        }
        try (FaceServer server = new FaceServer(new SliceEngine(0), "slices", null, null, config())) {
            assertEquals(List.of("alice", "c-3", "dave"), ids(new ServeHttp(server.start(), null)));
        }
    }

    @Test
    void aGalleryWhoseIdsTimesDimOverflowAnIntIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Gallery.inMemory(512, 5_000_000));
        assertTrue(e.getMessage().contains("--max-gallery"), e.getMessage());
    }

    private static List<String> ids(ServeHttp client) throws Exception {
        JsonNode list = ServeHttp.json(client.get("/v1/gallery"));
        List<String> ids = new java.util.ArrayList<>();
        list.get("ids").forEach(n -> ids.add(n.asText()));
        assertEquals(ids.size(), list.get("count").asInt());
        assertFalse(ids.isEmpty());
        return ids;
    }

    static int port(Jvm.Running server) throws InterruptedException {
        server.awaitLine("listening on ", 60);
        String line = server.lines.stream().filter(l -> l.startsWith("listening on ")).findFirst().orElseThrow();
        return Integer.parseInt(line.substring("listening on ".length()).trim());
    }
}
