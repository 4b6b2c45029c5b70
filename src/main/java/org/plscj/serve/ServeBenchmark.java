package org.plscj.serve;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.plscj.eval.NearestCentres;

/** {@code plsc bench serve}'s measurements: closed-loop HTTP clients against a running server, and identification alone. */
public final class ServeBenchmark {
    private ServeBenchmark() {}

    /** One concurrency level: requests/s and latency percentiles of batch-1 {@code /v1/embed} requests. */
    public record Level(int concurrency, int requests, int failures, double seconds, double p50Millis, double p99Millis) {
        public double requestsPerSecond() {
            return requests / seconds;
        }
    }

    /** {@code requests} batch-1 embed requests from {@code concurrency} clients, each sending its next after its last answer. */
    public static Level embedLoad(String baseUrl, List<String> images, int concurrency, int requests) throws Exception {
        HttpClient http = HttpClient.newBuilder().executor(Executors.newFixedThreadPool(concurrency)).build();
        AtomicInteger next = new AtomicInteger();
        AtomicInteger failures = new AtomicInteger();
        double[] latencies = new double[requests];
        ExecutorService clients = Executors.newFixedThreadPool(concurrency);
        long t0 = System.nanoTime();
        List<Future<?>> running = new ArrayList<>();
        for (int c = 0; c < concurrency; c++) {
            running.add(clients.submit(() -> {
                for (int i = next.getAndIncrement(); i < requests; i = next.getAndIncrement()) {
                    String body = "{\"images\": [\"" + images.get(i % images.size()) + "\"]}";
                    long s = System.nanoTime();
                    HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/v1/embed"))
                            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.discarding());
                    latencies[i] = (System.nanoTime() - s) / 1e6;
                    if (r.statusCode() != 200) {
                        failures.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : running) {
            f.get();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        clients.shutdown();
        Arrays.sort(latencies);
        return new Level(concurrency, requests, failures.get(), seconds, percentile(latencies, 0.50), percentile(latencies, 0.99));
    }

    /** Median milliseconds of one query's top-{@code k} among {@code classes} random normalised centres of {@code dim}. */
    public static double identifyMillis(long classes, int dim, int k, int queries) {
        try (PointerScope scope = new PointerScope()) {
            Tensor centres = BundleWriter.normalisedRows(torch.randn(classes, dim));
            double[] times = new double[queries];
            try (NearestCentres.Index index = NearestCentres.Index.of(centres)) {
                for (int i = 0; i < queries; i++) {
                    try (PointerScope step = new PointerScope()) {
                        Tensor q = torch.randn(1, dim);
                        long s = System.nanoTime();
                        index.topK(q, k);
                        times[i] = (System.nanoTime() - s) / 1e6;
                    }
                }
            }
            Arrays.sort(times);
            return percentile(times, 0.5);
        }
    }

    private static double percentile(double[] sorted, double p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.floor(p * sorted.length))];
    }
}
