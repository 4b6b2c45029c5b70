package org.plscj.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** The bounded queue: a full one refuses whole requests (503), never fails with 500; batches respect max batch. */
class OverloadTest {
    /** A deadline no test reaches. */
    private static final long FAR = System.nanoTime() + TimeUnit.HOURS.toNanos(1);

    @Test
    void aFullQueueRefusesWholeRequestsAndBatchesStayWithinMaxBatch() throws Exception {
        GatedEngine engine = new GatedEngine();
        try (DynamicBatcher<float[], float[]> batcher = DynamicBatcher.embeddings(engine, 3, 50, 6, new ServeMetrics())) {
            List<CompletableFuture<float[]>> first = batcher.submit(List.of(new float[1]), FAR);
            Thread.sleep(200); // the worker now holds the first image and blocks in the engine
            assertNotNull(batcher.submit(List.of(new float[1], new float[1], new float[1], new float[1]), FAR));
            assertNull(batcher.submit(List.of(new float[1], new float[1], new float[1]), FAR), "3 more do not fit 6 − 4");
            List<CompletableFuture<float[]>> last = batcher.submit(List.of(new float[1], new float[1]), FAR);
            assertNotNull(last);
            engine.gate.countDown();
            last.get(1).get();
            first.get(0).get();
            assertEquals(7, engine.batches.stream().mapToInt(Integer::intValue).sum());
            assertTrue(engine.batches.stream().allMatch(b -> b <= 3), engine.batches.toString());
        }
    }

    @Test
    void theServerAnswers503WhenTheQueueIsFull() throws Exception {
        GatedEngine engine = new GatedEngine();
        ServeConfig config = ServeConfig.defaults().withAddress("127.0.0.1", 0).withBatching(2, 1, 2).withRequestLimits(4, 1 << 20, 16_000_000);
        try (FaceServer server = new FaceServer(engine, "gated", null, null, config)) {
            String base = "http://127.0.0.1:" + server.start();
            String image = png();
            HttpClient http = HttpClient.newHttpClient();
            List<CompletableFuture<HttpResponse<String>>> pending = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                pending.add(http.sendAsync(HttpRequest.newBuilder(URI.create(base + "/v1/embed")).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"images\": [\"" + image + "\"]}")).build(),
                        HttpResponse.BodyHandlers.ofString()));
                Thread.sleep(100);
            }
            engine.gate.countDown();
            int ok = 0;
            int busy = 0;
            for (CompletableFuture<HttpResponse<String>> f : pending) {
                HttpResponse<String> r = f.get();
                assertTrue(r.statusCode() == 200 || r.statusCode() == 503, r.statusCode() + " " + r.body());
                ok += r.statusCode() == 200 ? 1 : 0;
                busy += r.statusCode() == 503 ? 1 : 0;
                assertTrue(r.statusCode() == 200 || r.body().contains("busy"), r.body());
            }
            assertTrue(busy >= 1 && ok >= 3, ok + " answered, " + busy + " refused");
            assertEquals(0, server.requestsWithStatus(500));
        }
    }

    private static String png() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(112, 112, BufferedImage.TYPE_INT_RGB), "png", out);
        return Base64.getEncoder().encodeToString(out.toByteArray());
    }
}
