package org.plscj.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.plscj.bench.ServeBenchmark;

/** No request takes the server down: bodies and images over the limits, engine faults, timeouts, a dead batcher. */
class ServeLimitsTest {
    private static final long MIB = 1 << 20;

    private static ServeConfig config() {
        return ServeConfig.defaults().withAddress("127.0.0.1", 0).withRequestLimits(8, MIB, 16_000_000);
    }

    private static String embedBody(String... images) {
        return "{\"images\": " + ServeHttp.images(images) + "}";
    }

    @Test
    void aChunked200MbBodyIsRefusedAtTheLimitWith413AndTheNextRequestIsServed() throws Exception {
        try (FaceServer server = new FaceServer(new SliceEngine(0), "slices", null, null, config())) {
            int port = server.start();
            for (String type : new String[] {"application/json", "multipart/form-data; boundary=plscBoundary42"}) {
                ServeHttp.Chunked r = ServeHttp.chunkedPost(port, "/v1/embed", type, 200 * MIB);
                assertTrue(r.statusLine() != null && r.statusLine().startsWith("HTTP/1.1 413"), type + ": " + r.statusLine());
                // why 64 MiB: the server stops reading at 1 MiB; the rest is socket buffers on both sides, far below 200 MiB
                assertTrue(r.bytesSentBeforeAnswer() < 64 * MIB, type + ": the answer came after " + r.bytesSentBeforeAnswer() + " bytes");
                assertEquals(200, new ServeHttp(port, null).post("/v1/embed", embedBody(ServeHttp.png(1))).statusCode());
            }
        }
    }

    @Test
    void anImageDeclaring25000x25000PixelsIsRefusedWith413BeforeDecodingAndTheHeapStaysFlat() throws Exception {
        String bomb = Base64.getEncoder().encodeToString(ServeBenchmark.pngDeclaring(25_000, 25_000));
        assertTrue(bomb.length() < 8_000, "a few KB: " + bomb.length());
        try (FaceServer server = new FaceServer(new SliceEngine(0), "slices", null, null, config())) {
            ServeHttp client = new ServeHttp(server.start(), null);
            HeapWatch heap = new HeapWatch();
            for (int i = 0; i < 5; i++) {
                HttpResponse<String> r = client.post("/v1/embed", embedBody(ServeHttp.png(1), bomb));
                assertEquals(413, r.statusCode(), r.body());
                assertTrue(ServeHttp.json(r).get("error").asText().contains("images[1] declares 25000x25000"), r.body());
            }
            long growth = heap.stop();
            // why 256 MiB: decoding would need a 1.75 GiB raster (25,000² × 3 bytes); the requests themselves need a few KB
            assertTrue(growth < 256 * MIB, "used heap grew by " + (growth >> 20) + " MiB");
            assertEquals(200, client.post("/v1/embed", embedBody(ServeHttp.png(1))).statusCode());
        }
    }

    @Test
    void anEngineFaultFailsItsBatchWith500NamingOnlyARequestIdAndLaterRequestsAreServed() throws Exception {
        SliceEngine engine = new SliceEngine(0);
        try (FaceServer server = new FaceServer(engine, "slices", null, null, config())) {
            ServeHttp client = new ServeHttp(server.start(), null);
            engine.failNextBatch(new OutOfMemoryError("injected: /secret/path/libtorch.so"));
            HttpResponse<String> failed = client.post("/v1/embed", embedBody(ServeHttp.png(1)));
            assertEquals(500, failed.statusCode(), failed.body());
            String error = ServeHttp.json(failed).get("error").asText();
            assertTrue(error.matches("internal error, request id [0-9a-f]{16}"), error);
            assertFalse(failed.body().contains("OutOfMemory") || failed.body().contains("/secret"), failed.body());
            engine.failNextBatch(new IllegalStateException("injected"));
            assertEquals(500, client.post("/v1/embed", embedBody(ServeHttp.png(2))).statusCode());
            for (int i = 0; i < 3; i++) {
                assertEquals(200, client.post("/v1/embed", embedBody(ServeHttp.png(i))).statusCode());
            }
            assertEquals(200, client.get("/health").statusCode());
        }
    }

    @Test
    void imagesOfRequestsThatTimedOutAreNeverComputed() throws Exception {
        GatedEngine gated = new GatedEngine();
        ServeConfig config = config().withBatching(1, 0, 64).withTimeouts(300, 1_000);
        try (FaceServer server = new FaceServer(gated, "gated", null, null, config)) {
            ServeHttp client = new ServeHttp(server.start(), null);
            String one = embedBody(ServeHttp.png(1));
            CompletableFuture<HttpResponse<String>> first = CompletableFuture.supplyAsync(() -> post(client, one));
            Thread.sleep(100); // the engine now holds the first image
            HttpResponse<String> second = post(client, embedBody(ServeHttp.png(2), ServeHttp.png(3)));
            assertEquals(503, second.statusCode(), second.body());
            assertTrue(second.body().contains("--request-timeout-ms"), second.body());
            assertEquals(503, first.get().statusCode(), "the first one timed out in the engine");
            gated.gate.countDown();
            HttpResponse<String> third = post(client, embedBody(ServeHttp.png(4)));
            assertEquals(200, third.statusCode(), third.body());
            assertEquals(List.of(1, 1), gated.batches, "the timed-out second request's two images were dropped, not computed");
        }
    }

    @Test
    void healthAnswers503WhenTheBatchingThreadHasStopped() throws Exception {
        AtomicBoolean interruptNext = new AtomicBoolean();
        EmbeddingEngine engine = new EmbeddingEngine() {
            @Override
            public int embDim() {
                return 4;
            }

            @Override
            public float[][] embed(float[] images, int n) {
                if (interruptNext.get()) {
                    // why: a library interrupting the thread that runs it ends the batching loop
                    Thread.currentThread().interrupt();
                }
                return new float[n][4];
            }
        };
        try (FaceServer server = new FaceServer(engine, "interrupted", null, null, config())) {
            ServeHttp client = new ServeHttp(server.start(), null);
            assertEquals(200, client.get("/health").statusCode());
            interruptNext.set(true);
            assertEquals(200, client.post("/v1/embed", embedBody(ServeHttp.png(1))).statusCode());
            long deadline = System.nanoTime() + 5_000_000_000L;
            int status = 200;
            while (status == 200 && System.nanoTime() < deadline) {
                Thread.sleep(20);
                status = client.get("/health").statusCode();
            }
            assertEquals(503, status, "an orchestrator must see that this server cannot compute");
            HttpResponse<String> r = client.post("/v1/embed", embedBody(ServeHttp.png(1)));
            assertEquals(503, r.statusCode(), r.body());
        }
    }

    private static HttpResponse<String> post(ServeHttp client, String body) {
        try {
            return client.post("/v1/embed", body);
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Samples the JVM's used heap every 2 ms; {@link #stop} gives the peak above the level at the start. */
    private static final class HeapWatch {
        private final long baseline;
        private final AtomicLong peak = new AtomicLong();
        private final Thread sampler;
        private volatile boolean running = true;

        HeapWatch() {
            System.gc();
            baseline = used();
            sampler = new Thread(() -> {
                while (running) {
                    peak.accumulateAndGet(used(), Math::max);
                    try {
                        Thread.sleep(2);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            sampler.setDaemon(true);
            sampler.start();
        }

        long stop() throws InterruptedException {
            running = false;
            sampler.join();
            return Math.max(0, peak.get() - baseline);
        }

        private static long used() {
            Runtime rt = Runtime.getRuntime();
            return rt.totalMemory() - rt.freeMemory();
        }
    }
}
