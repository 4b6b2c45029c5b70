package org.plscj.bench;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32;
import java.util.zip.DeflaterOutputStream;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.plscj.eval.CentreStorage;
import org.plscj.eval.NearestCentres;
import org.plscj.tensor.Scoped;

/**
 * {@code plsc bench serve}'s measurements: closed-loop HTTP clients against a running server, a soak
 * of valid and hostile requests, and identification alone.
 */
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
        AtomicInteger failures = new AtomicInteger();
        double[] latencies = new double[requests];
        double seconds = closedLoop(concurrency, requests, i -> {
            String body = "{\"images\": [\"" + images.get(i % images.size()) + "\"]}";
            long s = System.nanoTime();
            HttpResponse<Void> r = http.send(json(baseUrl + "/v1/embed", body), HttpResponse.BodyHandlers.discarding());
            latencies[i] = (System.nanoTime() - s) / 1e6;
            if (r.statusCode() != 200) {
                failures.incrementAndGet();
            }
        });
        Arrays.sort(latencies);
        return new Level(concurrency, requests, failures.get(), seconds, percentile(latencies, 0.50), percentile(latencies, 0.99));
    }

    /**
     * Identification over one {@link CentreStorage} of the centres, all times medians in milliseconds of one run:
     * {@code floorMillis} one streaming read of the index's centre bytes ({@link NearestCentres.Index#streamingRead}),
     * {@code batchMillis} one top-k pass for {@code batch} queries at once, {@code singleMillis} one pass for one query
     * (concurrency 1: one request, one image, at a time).
     */
    public record Identify(CentreStorage storage, long classes, int dim, int k, int batch, double floorMillis, double batchMillis,
            double singleMillis, long bytesPerClass, long bytesPerSearch) {
        public double batchVsFloor() {
            return batchMillis / floorMillis;
        }

        public double singleVsFloor() {
            return singleMillis / floorMillis;
        }
    }

    /**
     * Times identification over {@code unitCentres} [C, D] (fp32 unit rows) kept in {@code storage}: each measurement
     * {@code repeats} times, the three kinds interleaved so that a slow moment of a shared machine hits all of them.
     */
    public static Identify identify(Tensor unitCentres, CentreStorage storage, int k, int batch, int repeats) {
        int dim = (int) unitCentres.size(1);
        try (NearestCentres.Index index = NearestCentres.Index.of(unitCentres, storage)) {
            double[] floor = new double[repeats];
            double[] many = new double[repeats];
            double[] one = new double[repeats];
            index.streamingRead(); // warm-up: the first pass also pays page faults and code paths
            Scoped.run(() -> index.topK(torch.randn(batch, dim), k));
            for (int r = 0; r < repeats; r++) {
                int at = r;
                Scoped.run(() -> {
                    Tensor queries = torch.randn(batch, dim);
                    Tensor single = torch.randn(1, dim);
                    long s = System.nanoTime();
                    index.streamingRead();
                    floor[at] = (System.nanoTime() - s) / 1e6;
                    s = System.nanoTime();
                    index.topK(queries, k);
                    many[at] = (System.nanoTime() - s) / 1e6;
                    s = System.nanoTime();
                    index.topK(single, k);
                    one[at] = (System.nanoTime() - s) / 1e6;
                });
            }
            return new Identify(storage, unitCentres.size(0), dim, k, batch, median(floor), median(many), median(one), index.bytesPerClass(),
                    index.bytesPerSearch(batch));
        }
    }

    /**
     * The machine's fp32 GEMM rate in 10⁹ flop/s: the median of three 2048 × 2048 × 2048 products (one untimed first).
     * A batch of B queries over C × D centres needs 2·B·C·D flop whatever the memory does: its compute floor.
     */
    public static double gemmGflops() {
        return Scoped.compute(() -> {
            Tensor a = torch.randn(2048, 2048);
            Tensor b = torch.randn(2048, 2048);
            Tensor c = torch.empty(2048, 2048);
            double[] ms = new double[3];
            torch.mm_out(c, a, b);
            for (int r = 0; r < ms.length; r++) {
                long s = System.nanoTime();
                torch.mm_out(c, a, b);
                ms[r] = (System.nanoTime() - s) / 1e6;
            }
            return 2.0 * 2048 * 2048 * 2048 / median(ms) / 1e6;
        });
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return percentile(sorted, 0.5);
    }

    /** Request number i of a load. */
    private interface Request {
        void send(int i) throws Exception;
    }

    /** Sends requests 0 … n−1 from {@code concurrency} clients, each sending its next after its last answer; returns the seconds taken. */
    private static double closedLoop(int concurrency, int requests, Request request) throws Exception {
        AtomicInteger next = new AtomicInteger();
        ExecutorService clients = Executors.newFixedThreadPool(concurrency);
        try {
            long t0 = System.nanoTime();
            List<Future<?>> running = new ArrayList<>();
            for (int c = 0; c < concurrency; c++) {
                running.add(clients.submit(() -> {
                    for (int i = next.getAndIncrement(); i < requests; i = next.getAndIncrement()) {
                        request.send(i);
                    }
                    return null;
                }));
            }
            for (Future<?> f : running) {
                f.get();
            }
            return (System.nanoTime() - t0) / 1e9;
        } finally {
            clients.shutdown();
        }
    }

    /** A soak run: answers by status, connections the server closed before answering, RSS before and after. */
    public record Soak(int requests, int malformed, Map<Integer, Integer> statuses, int connectionErrors, double seconds) {
        public int serverErrors() {
            return statuses.entrySet().stream().filter(e -> e.getKey() >= 500).mapToInt(Map.Entry::getValue).sum();
        }
    }

    /** The kinds of bad request a soak mixes in, one in every {@code requests / malformed}. */
    private static final int BAD_KINDS = 10;

    /**
     * {@code requests} requests from {@code concurrency} clients, every {@code requests / malformed}-th
     * one malformed or oversized (ten kinds in turn: invalid JSON, text/plain, bad base64, not an
     * image, too many images, a body over {@code maxBodyBytes} with and without Content-Length, an
     * image declaring 25,000 × 25,000 pixels, a bad gallery id, an empty gallery), the rest valid
     * single-image embeddings.
     */
    public static Soak soak(String baseUrl, List<String> images, int requests, int malformed, int concurrency, long maxBodyBytes)
            throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(Executors.newFixedThreadPool(concurrency)).build();
        int every = requests / malformed;
        byte[] oversized = ("{\"images\": [\"" + "A".repeat((int) maxBodyBytes) + "\"]}").getBytes(StandardCharsets.US_ASCII);
        String bomb = Base64.getEncoder().encodeToString(pngDeclaring(25_000, 25_000));
        Map<Integer, Integer> statuses = new ConcurrentSkipListMap<>();
        AtomicInteger connectionErrors = new AtomicInteger();
        double seconds = closedLoop(concurrency, requests, i -> {
            String image = images.get(i % images.size());
            HttpRequest r = i % every == every - 1 ? bad((i / every) % BAD_KINDS, baseUrl, image, oversized, bomb)
                    : json(baseUrl + "/v1/embed", "{\"images\": [\"" + image + "\"]}");
            try {
                statuses.merge(http.send(r, HttpResponse.BodyHandlers.discarding()).statusCode(), 1, Integer::sum);
            } catch (IOException e) {
                // why counted apart: refusing an oversized body, the server may close the connection while the client still sends
                connectionErrors.incrementAndGet();
            }
        });
        return new Soak(requests, requests / every, statuses, connectionErrors.get(), seconds);
    }

    private static HttpRequest bad(int kind, String base, String image, byte[] oversized, String bomb) {
        return switch (kind) {
            case 0 -> json(base + "/v1/embed", "{\"images\": [");
            case 1 -> HttpRequest.newBuilder(URI.create(base + "/v1/embed")).header("Content-Type", "text/plain")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"images\": [\"" + image + "\"]}")).build();
            case 2 -> json(base + "/v1/embed", "{\"images\": [\"%%%not base64\"]}");
            case 3 -> json(base + "/v1/embed", "{\"images\": [\"aGVsbG8sIHRoaXMgaXMgdGV4dA==\"]}");
            case 4 -> json(base + "/v1/embed", "{\"images\": [" + "\"x\",".repeat(1000) + "\"x\"]}");
            case 5 -> HttpRequest.newBuilder(URI.create(base + "/v1/embed")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(oversized)).build();
            case 6 -> HttpRequest.newBuilder(URI.create(base + "/v1/embed")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(oversized))).build(); // chunked
            case 7 -> json(base + "/v1/embed", "{\"images\": [\"" + bomb + "\"]}");
            case 8 -> json(base + "/v1/gallery", "{\"id\": \"../../etc/passwd\", \"images\": [\"" + image + "\"]}");
            default -> json(base + "/v1/identify", "{\"images\": [\"" + image + "\"], \"gallery\": true}");
        };
    }

    private static HttpRequest json(String url, String body) {
        return HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    /** A PNG of a few KB whose header declares width × height RGB pixels (the data holds only the first rows). */
    public static byte[] pngDeclaring(int width, int height) throws IOException {
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(png);
        out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
        DataOutputStream h = new DataOutputStream(ihdr);
        h.writeInt(width);
        h.writeInt(height);
        h.write(new byte[] {8, 2, 0, 0, 0}); // 8 bits, RGB, deflate, no filter, no interlace
        pngChunk(out, "IHDR", ihdr.toByteArray());
        ByteArrayOutputStream idat = new ByteArrayOutputStream();
        try (DeflaterOutputStream z = new DeflaterOutputStream(idat)) {
            z.write(new byte[1 << 20]); // 1 MiB of zero rows compresses to about 1 KB
        }
        pngChunk(out, "IDAT", idat.toByteArray());
        pngChunk(out, "IEND", new byte[0]);
        return png.toByteArray();
    }

    private static void pngChunk(DataOutputStream out, String type, byte[] data) throws IOException {
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        out.writeInt(data.length);
        out.write(t);
        out.write(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.writeInt((int) crc.getValue());
    }

    /** This process's resident set size in KiB (Linux). */
    public static long rssKiB() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmRSS:"))
                .mapToLong(l -> Long.parseLong(l.replaceAll("[^0-9]", ""))).findFirst().orElse(-1);
    }

    private static double percentile(double[] sorted, double p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.floor(p * sorted.length))];
    }
}
