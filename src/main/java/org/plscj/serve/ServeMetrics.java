package org.plscj.serve;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.io.OutputStream;
import java.util.function.IntSupplier;

/**
 * What {@code GET /metrics} reports, through Prometheus' Java client: requests by endpoint and status, their latency
 * (the client's standard classic buckets, 5 ms to 10 s), backbone batch sizes, images embedded, the queue depth, the
 * served model, and the JVM's and the process's own metrics. Holds one counter per endpoint and status seen and one
 * histogram per endpoint, nothing per request. Exemplars are off: PLSC-J traces nothing they could point to, and
 * each observation would otherwise look for a trace context.
 */
final class ServeMetrics {
    /** Powers of two up to the largest batch a server is usually given. */
    private static final double[] BATCH_SIZES = {1, 2, 4, 8, 16, 32, 64, 128};
    /** Process-wide: the JVM and process metrics are the same for every server in it, so they are collected once. */
    private static final PrometheusRegistry JVM = jvmRegistry();
    private static final ExpositionFormats FORMATS = ExpositionFormats.init();

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter requests = Counter.builder().name("plsc_requests_total").help("HTTP requests by endpoint and status.")
            .labelNames("endpoint", "status").withoutExemplars().register(registry);
    private final Histogram latency = Histogram.builder().name("plsc_request_seconds").help("Request latency.").classicOnly()
            .labelNames("endpoint").withoutExemplars().register(registry);
    private final Histogram batchSizes = Histogram.builder().name("plsc_batch_size").help("Images per backbone batch.").classicOnly()
            .classicUpperBounds(BATCH_SIZES).withoutExemplars().register(registry);
    private final Counter images = Counter.builder().name("plsc_images_total").help("Images embedded.").withoutExemplars()
            .register(registry);
    private final Info model = Info.builder().name("plsc_model_info")
            .help("The served model: its name and fingerprint (SHA-256 of its weights).").labelNames("model", "fingerprint").register(registry);
    private volatile IntSupplier queueDepth = () -> 0;

    ServeMetrics() {
        GaugeWithCallback.builder().name("plsc_queue_depth").help("Images waiting for a batch.")
                .callback(gauge -> gauge.call(queueDepth.getAsInt())).register(registry);
    }

    private static PrometheusRegistry jvmRegistry() {
        PrometheusRegistry jvm = new PrometheusRegistry();
        JvmMetrics.builder().register(jvm);
        return jvm;
    }

    void request(String endpoint, int status, double seconds) {
        requests.labelValues(endpoint, Integer.toString(status)).inc();
        latency.labelValues(endpoint).observe(seconds);
    }

    void batch(int size) {
        batchSizes.observe(size);
        images.inc(size);
    }

    /** The served model's name and fingerprint, reported as the labels of {@code plsc_model_info}. */
    void model(String name, String fingerprint) {
        model.setLabelValues(name, fingerprint == null ? "" : fingerprint);
    }

    void queueDepth(IntSupplier depth) {
        queueDepth = depth;
    }

    /** Requests answered with {@code status} on any endpoint. */
    long requestsWithStatus(int status) {
        String wanted = Integer.toString(status);
        return Math.round(requests.collect().getDataPoints().stream().filter(p -> wanted.equals(p.getLabels().get("status")))
                .mapToDouble(CounterSnapshot.CounterDataPointSnapshot::getValue).sum());
    }

    /**
     * The writer for a scrape's {@code Accept} header: OpenMetrics when asked for, else the Prometheus text format (also
     * for protobuf, whose writer needs the client's shaded protobuf module, left out to keep the jar small).
     */
    static ExpositionFormatWriter format(String accept) {
        ExpositionFormatWriter asked = FORMATS.findWriter(accept);
        return asked.isAvailable() ? asked : FORMATS.getPrometheusTextFormatWriter();
    }

    /** Every metric, this server's then the JVM's, in {@code format}. */
    void write(OutputStream out, ExpositionFormatWriter format) throws IOException {
        MetricSnapshots.Builder all = MetricSnapshots.builder();
        for (MetricSnapshot s : registry.scrape()) {
            all.metricSnapshot(s);
        }
        for (MetricSnapshot s : JVM.scrape()) {
            all.metricSnapshot(s);
        }
        format.write(out, all.build());
    }
}
