package org.plscj.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /metrics} is what Prometheus scrapes: the official Python client's text-format parser reads all of it, and
 * it holds requests by endpoint and status, latency in the standard buckets, batch sizes, the queue depth, the model,
 * and the JVM's and process's metrics.
 */
class MetricsExpositionTest {
    private static final Path PYTHON = Paths.get("/usr/bin/python3");
    /** The Prometheus clients' default latency buckets (seconds), as every client library documents them. */
    private static final List<String> STANDARD_BUCKETS =
            List.of("0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1.0", "2.5", "5.0", "10.0", "+Inf");

    @Test
    void metricsParseWithThePrometheusTextParserAndCountRequestsByEndpointAndStatus() throws Exception {
        ServeConfig config = ServeConfig.defaults().withAddress("127.0.0.1", 0);
        String text;
        try (FaceServer server = new FaceServer(new SliceEngine(0), "slices", null, null, config)) {
            ServeHttp client = new ServeHttp(server.start(), null);
            String body = "{\"images\": " + ServeHttp.images(ServeHttp.png(1), ServeHttp.png(2)) + "}";
            for (int i = 0; i < 3; i++) {
                assertEquals(200, client.post("/v1/embed", body).statusCode());
            }
            assertEquals(400, client.post("/v1/embed", "{\"pictures\": []}").statusCode());
            var response = client.get("/metrics");
            assertEquals(200, response.statusCode());
            assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"),
                    response.headers().toString());
            text = response.body();
        }
        Map<String, JsonNode> families = parse(text);

        assertEquals("counter", type(families, "plsc_requests"));
        assertEquals(3.0, value(families, "plsc_requests", "plsc_requests_total", Map.of("endpoint", "/v1/embed", "status", "200")), 0);
        assertEquals(1.0, value(families, "plsc_requests", "plsc_requests_total", Map.of("endpoint", "/v1/embed", "status", "400")), 0);

        assertEquals("histogram", type(families, "plsc_request_seconds"));
        assertEquals(STANDARD_BUCKETS, buckets(families, "plsc_request_seconds", Map.of("endpoint", "/v1/embed")));
        assertEquals(4.0, value(families, "plsc_request_seconds", "plsc_request_seconds_count", Map.of("endpoint", "/v1/embed")), 0);

        assertEquals("histogram", type(families, "plsc_batch_size"));
        assertEquals(6.0, value(families, "plsc_images", "plsc_images_total", Map.of()), 0);
        double batches = value(families, "plsc_batch_size", "plsc_batch_size_count", Map.of());
        assertTrue(batches >= 3 && batches <= 6, "three requests of two images make 3 to 6 batches: " + batches);
        assertEquals(6.0, value(families, "plsc_batch_size", "plsc_batch_size_sum", Map.of()), 0);

        assertEquals("gauge", type(families, "plsc_queue_depth"));
        assertEquals(0.0, value(families, "plsc_queue_depth", "plsc_queue_depth", Map.of()), 0);
        assertEquals(1.0, value(families, "plsc_model_info", "plsc_model_info", Map.of("model", "slices", "fingerprint", "")), 0);

        // the JVM's and the process's own metrics, from the client's instrumentation
        for (String jvm : List.of("jvm_memory_used_bytes", "jvm_threads_current", "jvm_gc_collection_seconds", "process_cpu_seconds",
                "process_resident_memory_bytes")) {
            assertTrue(families.containsKey(jvm), jvm + " missing; families: " + families.keySet());
        }
    }

    @Test
    void aScraperAskingForOpenMetricsGetsItAndOneAskingForProtobufGetsText() throws Exception {
        ServeConfig config = ServeConfig.defaults().withAddress("127.0.0.1", 0);
        try (FaceServer server = new FaceServer(new SliceEngine(0), "slices", null, null, config)) {
            String base = "http://127.0.0.1:" + server.start();
            HttpResponse<String> openMetrics = scrape(base, "application/openmetrics-text; version=1.0.0; charset=utf-8");
            assertEquals(200, openMetrics.statusCode());
            assertTrue(openMetrics.headers().firstValue("Content-Type").orElse("").startsWith("application/openmetrics-text"));
            assertTrue(openMetrics.body().endsWith("# EOF\n"), "OpenMetrics ends with # EOF");
            // what Prometheus sends with native histograms on: protobuf first, text as the fallback
            HttpResponse<String> proto = scrape(base, "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;"
                    + "encoding=delimited;q=0.6,text/plain;version=0.0.4;q=0.3");
            assertEquals(200, proto.statusCode(), proto.body());
            assertTrue(proto.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
            assertTrue(parse(proto.body()).containsKey("plsc_queue_depth"));
        }
    }

    private static HttpResponse<String> scrape(String base, String accept) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + "/metrics")).header("Accept", accept).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aMalformedExpositionIsRejectedByTheParser() throws Exception {
        // why: shows the parser the test relies on really checks the format, so a pass above means something
        assertEquals(1, run("# TYPE plsc_requests counter\nplsc_requests_total{endpoint=\"/v1/embed\" 3\n").exit);
    }

    private record Result(int exit, String out) {}

    private static Result run(String text) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(PYTHON), "skipped: no /usr/bin/python3 to parse /metrics with");
        Path script = Paths.get(MetricsExpositionTest.class.getResource("/fixtures/serve/parse_metrics.py").toURI());
        Process p = new ProcessBuilder(PYTHON.toString(), script.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(text.getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int exit = p.waitFor();
        Assumptions.assumeTrue(exit != 3, "skipped: /usr/bin/python3 has no prometheus_client (Debian: python3-prometheus-client)");
        return new Result(exit, out);
    }

    /** The parsed families by name. */
    private static Map<String, JsonNode> parse(String text) throws Exception {
        Result r = run(text);
        assertEquals(0, r.exit, "the Prometheus parser rejects /metrics:\n" + text);
        Map<String, JsonNode> families = new HashMap<>();
        for (JsonNode f : new ObjectMapper().readTree(r.out)) {
            families.put(f.get("name").asText(), f);
        }
        return families;
    }

    private static String type(Map<String, JsonNode> families, String family) {
        assertTrue(families.containsKey(family), family + " missing; families: " + families.keySet());
        return families.get(family).get("type").asText();
    }

    /** The value of the one sample {@code sample} of {@code family} whose labels include {@code labels}. */
    private static double value(Map<String, JsonNode> families, String family, String sample, Map<String, String> labels) {
        List<Double> values = new ArrayList<>();
        for (JsonNode s : samples(families, family)) {
            if (s.get("name").asText().equals(sample) && has(s, labels)) {
                values.add(s.get("value").asDouble());
            }
        }
        assertEquals(1, values.size(), sample + labels + " in " + families.get(family));
        return values.get(0);
    }

    /** The {@code le} bounds of {@code family}'s buckets with {@code labels}, in order. */
    private static List<String> buckets(Map<String, JsonNode> families, String family, Map<String, String> labels) {
        List<String> out = new ArrayList<>();
        for (JsonNode s : samples(families, family)) {
            if (s.get("name").asText().equals(family + "_bucket") && has(s, labels)) {
                out.add(s.get("labels").get("le").asText());
            }
        }
        return out;
    }

    private static JsonNode samples(Map<String, JsonNode> families, String family) {
        assertTrue(families.containsKey(family), family + " missing; families: " + families.keySet());
        return families.get(family).get("samples");
    }

    private static boolean has(JsonNode sample, Map<String, String> labels) {
        return labels.entrySet().stream().allMatch(e -> e.getValue().equals(sample.get("labels").path(e.getKey()).asText(null)));
    }
}
