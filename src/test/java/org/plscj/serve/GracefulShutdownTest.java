package org.plscj.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.plscj.testing.Jvm;

/** SIGTERM during a burst: the server stops accepting, answers every request it had accepted, and exits 0. */
class GracefulShutdownTest {
    private static final int BURST = 12;

    @Test
    void sigtermDuringABurstAnswersEveryAcceptedRequestThenExitsZero() throws Exception {
        // one image per 150 ms batch: the burst takes ~1.8 s, so SIGTERM lands with most of it still queued
        Jvm.Running server = Jvm.start(ServeProcess.class.getName(), Map.of(), List.of("-", "150", "1"));
        try {
            int port = GalleryDurabilityTest.port(server);
            ServeHttp client = new ServeHttp(port, null);
            String body = "{\"images\": " + ServeHttp.images(ServeHttp.png(1)) + "}";
            List<CompletableFuture<Integer>> burst = new ArrayList<>();
            ExecutorService clients = Executors.newFixedThreadPool(BURST);
            for (int i = 0; i < BURST; i++) {
                burst.add(CompletableFuture.supplyAsync(() -> status(client, "/v1/embed", body), clients));
            }
            clients.shutdown();
            int queued = 0;
            for (long deadline = System.nanoTime() + 10_000_000_000L; queued < BURST / 2 && System.nanoTime() < deadline; ) {
                queued = (int) client.get("/metrics").body().lines().filter(l -> l.startsWith("plsc_queue_depth "))
                        .mapToDouble(l -> Double.parseDouble(l.substring(17))).sum();
            }
            assertTrue(queued >= BURST / 2, "the burst is queued: " + queued);
            // why the handle: Process.destroy() also closes our end of the child's output, which would hide its last lines
            assertTrue(server.process.toHandle().destroy(), "SIGTERM sent");
            server.awaitLine("draining", 10);
            // a new client, so a new connection (the burst's keep-alive connections may still be answered while draining)
            int late = status(new ServeHttp(port, null), "/health", null);
            List<Integer> statuses = new ArrayList<>();
            for (CompletableFuture<Integer> f : burst) {
                statuses.add(f.get());
            }
            assertEquals(List.of(200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200), statuses, server.output());
            assertEquals(-1, late, "a connection after SIGTERM is refused");
            assertEquals(0, server.waitFor(30), server.output());
            assertTrue(server.output().contains("exited cleanly"), server.output());
        } finally {
            server.process.destroyForcibly();
        }
    }

    private static int status(ServeHttp client, String path, String body) {
        try {
            return (body == null ? client.get(path) : client.post(path, body)).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -2;
        }
    }
}
