package org.plscj.serve;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;

/** What {@code GET /metrics} reports, in the Prometheus text format. */
final class ServeMetrics {
    private static final double[] LATENCY_SECONDS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
    private static final double[] BATCH_SIZES = {1, 2, 4, 8, 16, 32, 64, 128};

    /** "endpoint status" → requests. */
    private final Map<String, LongAdder> requests = new ConcurrentSkipListMap<>();
    private final Map<String, Histogram> latency = new ConcurrentHashMap<>();
    private final Histogram batchSizes = new Histogram(BATCH_SIZES);
    private final LongAdder images = new LongAdder();
    private volatile IntSupplier queueDepth = () -> 0;
    private volatile String modelLabels = "";

    void request(String endpoint, int status, double seconds) {
        requests.computeIfAbsent(endpoint + " " + status, k -> new LongAdder()).increment();
        latency.computeIfAbsent(endpoint, k -> new Histogram(LATENCY_SECONDS)).observe(seconds);
    }

    void batch(int size) {
        batchSizes.observe(size);
        images.add(size);
    }

    /** The served model's name and fingerprint, reported as the labels of {@code plsc_model_info}. */
    void model(String name, String fingerprint) {
        modelLabels = "model=\"" + escape(name) + "\",fingerprint=\"" + (fingerprint == null ? "" : escape(fingerprint)) + "\"";
    }

    /** A Prometheus label value: backslash, quote and line feed escaped. */
    private static String escape(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    void queueDepth(IntSupplier depth) {
        queueDepth = depth;
    }

    /** Requests answered with {@code status} on any endpoint. */
    long requestsWithStatus(int status) {
        return requests.entrySet().stream().filter(e -> e.getKey().endsWith(" " + status)).mapToLong(e -> e.getValue().sum()).sum();
    }

    String render() {
        StringBuilder out = new StringBuilder();
        out.append("# HELP plsc_model_info The served model: its name and fingerprint (SHA-256 of its weights).\n")
                .append("# TYPE plsc_model_info gauge\nplsc_model_info{").append(modelLabels).append("} 1\n");
        out.append("# HELP plsc_requests_total HTTP requests by endpoint and status.\n# TYPE plsc_requests_total counter\n");
        requests.forEach((key, n) -> {
            String[] p = key.split(" ");
            out.append(String.format(Locale.ROOT, "plsc_requests_total{endpoint=\"%s\",status=\"%s\"} %d%n", p[0], p[1], n.sum()));
        });
        out.append("# HELP plsc_request_seconds Request latency.\n# TYPE plsc_request_seconds histogram\n");
        new java.util.TreeMap<>(latency).forEach((endpoint, h) -> h.render(out, "plsc_request_seconds", "endpoint=\"" + endpoint + "\","));
        out.append("# HELP plsc_batch_size Images per backbone batch.\n# TYPE plsc_batch_size histogram\n");
        batchSizes.render(out, "plsc_batch_size", "");
        out.append("# HELP plsc_images_total Images embedded.\n# TYPE plsc_images_total counter\n");
        out.append("plsc_images_total ").append(images.sum()).append('\n');
        out.append("# HELP plsc_queue_depth Images waiting for a batch.\n# TYPE plsc_queue_depth gauge\n");
        out.append("plsc_queue_depth ").append(queueDepth.getAsInt()).append('\n');
        return out.toString();
    }
}
