package org.plscj.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.config.SizeUnit;
import io.javalin.http.Context;
import io.javalin.http.UploadedFile;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.bytedeco.pytorch.Tensor;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.plscj.eval.NearestCentres;
import org.plscj.labels.LabelMap;
import org.plscj.tensor.Scoped;
import org.plscj.tensor.Tensors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * {@code plsc serve}: embeddings, verification and identification over HTTP (Javalin on Jetty).
 *
 * <ul>
 *   <li>{@code POST /v1/embed} {"images": [base64, …], "normalize": true} → {"embeddings": [[…], …]}
 *   <li>{@code POST /FaceClassifyService/inference} {"base64_string": […]} → {"instance": [{"embedding": […]}, …]} (PLSC v1)
 *   <li>{@code POST /v1/verify} {"image1": b64, "image2": b64} → {"similarity", "threshold", "same"}
 *   <li>{@code POST /v1/identify} {"images": […], "k": 5} → {"results": [[{"class", "name", "score"}, …], …]} among the
 *       class centres ("name" when the bundle has {@code labels.tsv}), or with {"gallery": true} → [[{"id", "score"}, …], …] among the enrolled identities
 *   <li>{@code POST /v1/gallery} {"id": "alice", "images": […]} → {"id", "gallery_size", "durable"}: enrols (or replaces) an identity
 *   <li>{@code GET /v1/gallery} → {"count", "ids"}; {@code DELETE /v1/gallery/{id}} → {"id", "gallery_size"}
 *   <li>{@code GET /health} (503 when the batcher cannot serve; names the model and its fingerprint), {@code GET /metrics}
 *       (Prometheus text, with the fingerprint in {@code plsc_model_info})
 * </ul>
 * Every POST also takes multipart/form-data: files under the same field names (several {@code images}
 * parts make the array), other fields as form values ({@code k}, {@code gallery}, {@code id}).
 * Errors: 400 (malformed JSON, base64 or image, naming the field and index), 401 (API key), 403
 * (gallery writes on an open address without a key), 404 (unknown id), 409 (gallery full), 413 (too
 * large), 415 (not JSON or multipart), 503 (queue full, timed out, shutting down), each with
 * {"error": message}; 500 says only "internal error, request id X", the log has the details under X.
 *
 * <p>{@link #close} stops accepting connections, lets in-flight requests finish for up to the drain
 * time, then stops the batcher and writes a last gallery snapshot.
 */
public final class FaceServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FaceServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_K = 1000;
    /** Fields that hold lists of images. */
    private static final Set<String> LIST_FIELDS = Set.of("images", "base64_string");

    private final ServeConfig config;
    private final String modelName;
    private final String fingerprint;
    private final LabelMap labels;
    private final Double threshold;
    private final NearestCentres.Index centres;
    private final ServeMetrics metrics = new ServeMetrics();
    private final DynamicBatcher<float[], float[]> batcher;
    /** Groups concurrent /v1/identify queries into one pass over the centres (null without centres). */
    private final DynamicBatcher<Query, Top> identifier;
    private final RequestImages images;
    private final Gallery gallery;
    private final AccessRules access;
    private final Javalin app;
    private boolean closed;

    /**
     * A model without a fingerprint or class names (see {@link #FaceServer(EmbeddingEngine, ServedModel, ServeConfig)}).
     * {@code centres}: normalised class centres [C, D] for /v1/identify, or null.
     */
    public FaceServer(EmbeddingEngine engine, String modelName, Double threshold, Tensor centres, ServeConfig config) throws IOException {
        this(engine, new ServedModel(modelName, null, threshold, centres, null), config);
    }

    /**
     * Serves {@code model} run by {@code engine}. Replays the gallery under {@code config.galleryDir()} when set, after
     * checking that it was made by this model ({@link GalleryBinding}).
     */
    public FaceServer(EmbeddingEngine engine, ServedModel model, ServeConfig config) throws IOException {
        this.config = config;
        this.modelName = model.name();
        this.fingerprint = model.fingerprint();
        this.labels = model.labels();
        this.threshold = model.threshold();
        this.access = new AccessRules(config.apiKey(), config.host());
        KeyStore tls = config.tls() == null ? null : PemKeyStore.load(config.tls());
        if (config.galleryDir() != null) {
            GalleryBinding.bind(config.galleryDir(), model, engine.embDim(), config.acceptGalleryFrom());
        }
        this.gallery = config.galleryDir() == null ? Gallery.inMemory(engine.embDim(), config.maxGallery())
                : Gallery.open(config.galleryDir(), engine.embDim(), config.maxGallery(), Gallery.SNAPSHOT_EVERY);
        metrics.model(modelName, fingerprint);
        // why an index: checked and normalised once here, kept in the bundle's precision; a batch of queries is then one pass
        this.centres = model.centres() == null ? null : NearestCentres.Index.ofStored(model.centres(), model.centreScales());
        this.batcher = DynamicBatcher.embeddings(engine, config.maxBatch(), config.maxWaitMillis(), config.queueCapacity(), metrics);
        this.identifier = centres == null ? null
                : new DynamicBatcher<>("queries", this::identifyBatch, config.maxBatch(), config.maxWaitMillis(), config.queueCapacity());
        this.images = new RequestImages(config.maxImages(), config.maxImagePixels(), Math.max(2, Runtime.getRuntime().availableProcessors()));
        app = Javalin.create(c -> {
            c.showJavalinBanner = false;
            c.http.maxRequestSize = config.maxRequestBytes();
            // why: Jetty counts multipart bytes while parsing, so these hold for chunked forms too
            c.jetty.multipartConfig.maxTotalRequestSize(config.maxRequestBytes(), SizeUnit.BYTES);
            c.jetty.multipartConfig.maxFileSize(config.maxRequestBytes(), SizeUnit.BYTES);
            c.jetty.modifyHttpConfiguration(http -> http.setSendServerVersion(false));
            c.jetty.modifyServer(server -> {
                // why: Jetty's graceful stop closes the connectors first, then waits this long for in-flight requests
                server.setStopTimeout(config.drainMillis());
                ErrorHandler errors = new ErrorHandler();
                errors.setShowStacks(false);
                errors.setShowServlet(false);
                server.setErrorHandler(errors);
            });
            if (tls != null) {
                c.jetty.addConnector((server, http) -> {
                    SslContextFactory.Server ssl = new SslContextFactory.Server();
                    ssl.setKeyStore(tls);
                    ssl.setKeyStorePassword(PemKeyStore.PASSWORD);
                    ServerConnector connector = new ServerConnector(server, ssl, new HttpConnectionFactory(http));
                    connector.setHost(config.host());
                    connector.setPort(config.port());
                    return connector;
                });
            }
        });
        app.before(access::check);
        app.exception(BadRequest.class, (e, ctx) -> {
            metrics.request("refused", e.status(), 0);
            reply(ctx, e.status(), Map.of("error", e.getMessage()));
        });
        app.exception(Exception.class, (e, ctx) -> internalError(ctx, ctx.path(), e));
        post("/v1/embed", this::embed);
        post("/FaceClassifyService/inference", this::plscInference);
        post("/v1/verify", this::verify);
        post("/v1/identify", this::identify);
        post("/v1/gallery", this::enrol);
        app.get(AccessRules.GALLERY, ctx -> {
            List<String> ids = gallery.ids();
            reply(ctx, 200, Map.of("count", ids.size(), "ids", ids));
        });
        app.delete(AccessRules.GALLERY + "/{id}", this::unenrol);
        app.get("/health", this::health);
        app.get("/metrics", this::scrape);
    }

    /** Starts listening; returns the port (useful with port 0). */
    public int start() {
        app.start(config.host(), config.port());
        if (access.open()) {
            LOG.warn("access: {}", access.describe(config.host()));
        } else {
            LOG.info("access: {}", access.describe(config.host()));
        }
        if (gallery.durable()) {
            LOG.info("gallery: {} identities, persisted in {}", gallery.ids().size(), config.galleryDir());
        } else {
            LOG.warn("gallery: enrolments are in memory only and are lost when the server stops (persist them with --gallery-dir)");
        }
        return app.port();
    }

    /** Serves until SIGTERM or SIGINT, then stops as {@link #close} does; returns once stopped. */
    public void serveUntilSignalled() throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        SignalHandler stop = signal -> {
            LOG.info("SIG{}: no new connections; draining in-flight requests for up to {} ms", signal.getName(), config.drainMillis());
            close();
            stopped.countDown();
        };
        // why signals, not a shutdown hook: a hook cannot make the exit status 0 after a SIGTERM
        Signal.handle(new Signal("TERM"), stop);
        Signal.handle(new Signal("INT"), stop);
        stopped.await();
    }

    /** Requests answered with {@code status} so far. */
    public long requestsWithStatus(int status) {
        return metrics.requestsWithStatus(status);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            app.stop();
        } catch (RuntimeException e) {
            // why go on: Jetty has stopped everything by then; only the drain ran out of time
            LOG.warn("requests still running after the {} ms drain were cut off ({})", config.drainMillis(), e.toString());
        }
        batcher.close();
        if (identifier != null) {
            identifier.close();
        }
        try {
            gallery.close();
        } catch (IOException e) {
            LOG.error("the last gallery snapshot failed ({}); the log still holds every change", e.toString());
        }
        if (centres != null) {
            centres.close();
        }
    }

    private interface Endpoint {
        Object answer(JsonNode body) throws Exception;
    }

    private void post(String path, Endpoint endpoint) {
        app.post(path, ctx -> {
            long t0 = System.nanoTime();
            try {
                reply(ctx, 200, endpoint.answer(parse(ctx)));
            } catch (BadRequest e) {
                reply(ctx, e.status(), Map.of("error", e.getMessage()));
            } catch (Exception e) {
                internalError(ctx, path, e);
            } finally {
                metrics.request(path, ctx.statusCode(), (System.nanoTime() - t0) / 1e9);
            }
        });
    }

    /** Answers 500 with a fresh id only; the log has the details under that id. */
    private static void internalError(Context ctx, String path, Exception e) {
        String id = String.format("%016x", ThreadLocalRandom.current().nextLong());
        LOG.error("request {} ({} {}) failed", id, ctx.method(), path, e);
        reply(ctx, 500, Map.of("error", "internal error, request id " + id));
    }

    /** The metrics in the format the scraper's {@code Accept} header asks for (Prometheus text by default). */
    private void scrape(Context ctx) throws IOException {
        ExpositionFormatWriter format = ServeMetrics.format(ctx.header("Accept"));
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        metrics.write(text, format);
        ctx.contentType(format.getContentType()).result(text.toByteArray());
    }

    private void health(Context ctx) {
        boolean serving = batcher.serving();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("status", serving ? "ok" : "the batching thread has stopped");
        out.put("model", modelName);
        out.put("fingerprint", fingerprint);
        out.put("classes", centres == null ? 0 : centres.size());
        out.put("named_classes", labels == null ? 0 : labels.size());
        reply(ctx, serving ? 200 : 503, out);
    }

    private JsonNode parse(Context ctx) {
        if (ctx.isMultipartFormData()) {
            return multipart(ctx);
        }
        JsonNode body;
        try {
            body = JSON.readTree(RequestBody.read(ctx.req().getInputStream(), ctx.req().getContentLengthLong(), config.maxRequestBytes()));
        } catch (JsonProcessingException e) {
            throw new BadRequest("the body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new BadRequest("the body cannot be read: " + e.getMessage());
        }
        if (body == null || !body.isObject()) {
            throw new BadRequest("the body must be a JSON object");
        }
        return body;
    }

    /**
     * The JSON request a multipart form stands for: each file base64-encoded under its field name (an
     * array for the list fields), form values as strings; so both kinds share one validation path.
     */
    private static JsonNode multipart(Context ctx) {
        ObjectNode body = JSON.createObjectNode();
        try {
            // file parts appear here too, without values
            ctx.formParamMap().forEach((name, values) -> values.stream().findFirst().ifPresent(v -> body.put(name, v)));
            ctx.uploadedFileMap().forEach((name, files) -> {
                List<String> encoded = new ArrayList<>();
                for (UploadedFile f : files) {
                    try (InputStream in = f.content()) {
                        encoded.add(Base64.getEncoder().encodeToString(in.readAllBytes()));
                    } catch (IOException e) {
                        throw new BadRequest("part '" + name + "' (" + f.filename() + ") cannot be read: " + e.getMessage());
                    }
                }
                if (LIST_FIELDS.contains(name)) {
                    encoded.forEach(body.putArray(name)::add);
                } else {
                    body.put(name, encoded.get(0));
                }
            });
        } catch (IllegalStateException e) {
            // why: Jetty reports a form over its size limits this way
            throw new BadRequest(413, "the multipart request exceeds a size limit: " + e.getMessage());
        }
        return body;
    }

    private static void reply(Context ctx, int status, Object value) {
        byte[] body;
        try {
            body = JSON.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("our own answers are maps of strings, numbers and arrays", e);
        }
        ctx.status(status).contentType("application/json");
        if (status != 413) {
            ctx.result(body);
            return;
        }
        // why sent now: after the handler Jetty reads (and drops) the rest of a refused body for as long as the client keeps
        // sending, before it would send a pending answer; committed first, the answer reaches the client at the limit
        ctx.header("Connection", "close");
        try {
            ctx.res().getOutputStream().write(body);
            ctx.res().flushBuffer();
        } catch (IOException e) {
            LOG.debug("the client left before its 413 was sent: {}", e.toString());
        }
    }

    private Object embed(JsonNode body) throws Exception {
        float[][] e = embeddings(images.array(body, "images"));
        if (!body.has("normalize") || body.get("normalize").asBoolean(true)) {
            for (float[] row : e) {
                normalise(row);
            }
        }
        return Map.of("model", modelName, "embeddings", e);
    }

    private Object plscInference(JsonNode body) throws Exception {
        List<Map<String, float[]>> instances = new ArrayList<>();
        for (float[] e : embeddings(images.array(body, "base64_string"))) {
            instances.add(Map.of("embedding", e));
        }
        return Map.of("instance", instances);
    }

    private Object verify(JsonNode body) throws Exception {
        float[][] e = embeddings(List.of(images.single(body, "image1"), images.single(body, "image2")));
        double similarity = dot(normalise(e[0]), normalise(e[1]));
        Double t = body.has("threshold") ? Double.valueOf(body.get("threshold").asDouble()) : threshold;
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("similarity", similarity);
        out.put("threshold", t);
        out.put("same", t == null ? null : similarity >= t);
        return out;
    }

    private Object enrol(JsonNode body) throws Exception {
        JsonNode id = body.get("id");
        if (id == null || !id.isTextual()) {
            throw new BadRequest("field 'id' must be a string naming the identity");
        }
        Gallery.checkId(id.textValue());
        int size = gallery.enrol(id.textValue(), embeddings(images.array(body, "images")));
        return Map.of("id", id.textValue(), "gallery_size", size, "durable", gallery.durable());
    }

    private void unenrol(Context ctx) throws IOException {
        String id = Gallery.checkId(ctx.pathParam("id"));
        if (!gallery.delete(id)) {
            throw new BadRequest(404, "no identity '" + id + "' is enrolled");
        }
        reply(ctx, 200, Map.of("id", id, "gallery_size", gallery.ids().size()));
    }

    private Object identify(JsonNode body) throws Exception {
        boolean inGallery = body.path("gallery").asBoolean(false);
        Gallery.Snapshot enrolled = inGallery ? gallery.snapshot() : null;
        long candidates = inGallery ? enrolled.ids().size() : centres == null ? 0 : centres.size();
        if (candidates == 0) {
            throw new BadRequest(inGallery ? "the gallery is empty: enrol identities with POST /v1/gallery first"
                    : "this model has no class centres (exported with --centres none, or imported): use \"gallery\": true");
        }
        int k = body.has("k") ? body.get("k").asInt(-1) : (int) Math.min(5, candidates);
        if (k < 1 || k > Math.min(MAX_K, candidates)) {
            throw new BadRequest("field 'k' must be an integer in 1.." + Math.min(MAX_K, candidates) + ", got " + body.get("k"));
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.timeoutMillis());
        float[][] e = embeddings(images.array(body, "images"), deadline);
        List<List<Map<String, Object>>> results = new ArrayList<>();
        if (inGallery) {
            NearestCentres.Result r = Scoped.compute(() -> NearestCentres.topK(matrix(enrolled.templates(), enrolled.ids().size(), enrolled.dim()),
                    matrix(packed(e), e.length, e[0].length), k));
            for (int i = 0; i < e.length; i++) {
                List<Map<String, Object>> top = new ArrayList<>();
                for (int j = 0; j < k; j++) {
                    top.add(Map.of("id", enrolled.ids().get((int) r.indices()[i][j]), "score", r.scores()[i][j]));
                }
                results.add(top);
            }
            return Map.of("results", results);
        }
        List<Query> queries = new ArrayList<>();
        for (int i = 0; i < e.length; i++) {
            // why here: the index refuses a NaN query, which would fail every request grouped into the same pass
            for (float v : e[i]) {
                if (!Float.isFinite(v)) {
                    throw new IllegalStateException("the model gave a non-finite embedding for images[" + i + "]");
                }
            }
            queries.add(new Query(e[i], k));
        }
        List<CompletableFuture<Top>> futures = identifier.submit(queries, deadline);
        if (futures == null) {
            throw new BadRequest(503, identifier.serving() ? "the server is busy: its queue of " + identifier.capacity()
                    + " identification queries is full; retry later" : "the server is not identifying (shutting down)");
        }
        for (Top t : await(futures, deadline, "no identification")) {
            List<Map<String, Object>> top = new ArrayList<>();
            for (int j = 0; j < k; j++) {
                top.add(centre(t.indices()[j], t.scores()[j]));
            }
            results.add(top);
        }
        return Map.of("results", results);
    }

    /** One query of a /v1/identify request: an embedding and how many classes its request asked for. */
    private record Query(float[] embedding, int k) {}

    /** The best classes of one query, best first. */
    private record Top(long[] indices, double[] scores) {}

    /**
     * The queries of concurrent requests in one pass over the centres: the top max(k) of every query (its first k are
     * its own request's top k, the list being sorted).
     */
    private List<Top> identifyBatch(List<Query> queries) {
        int dim = queries.get(0).embedding().length;
        float[][] e = new float[queries.size()][];
        int maxK = 0;
        for (int i = 0; i < e.length; i++) {
            e[i] = queries.get(i).embedding();
            maxK = Math.max(maxK, queries.get(i).k());
        }
        int kk = maxK;
        NearestCentres.Result r = Scoped.compute(() -> centres.topK(matrix(packed(e), e.length, dim), kk));
        List<Top> out = new ArrayList<>(e.length);
        for (int i = 0; i < e.length; i++) {
            int k = queries.get(i).k();
            out.add(new Top(java.util.Arrays.copyOf(r.indices()[i], k), java.util.Arrays.copyOf(r.scores()[i], k)));
        }
        return out;
    }

    private static float[] packed(float[][] rows) {
        float[] out = new float[rows.length * rows[0].length];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, out, i * rows[0].length, rows[0].length);
        }
        return out;
    }

    /** One class-centre match: its class, its name when the bundle names it, and the score. */
    private Map<String, Object> centre(long index, double score) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("class", index);
        if (labels != null) {
            labels.name(index).ifPresent(name -> out.put("name", name));
        }
        out.put("score", score);
        return out;
    }

    private static Tensor matrix(float[] values, int rows, int cols) {
        return Tensors.floats(values, rows, cols);
    }

    /**
     * The embeddings of {@code batch}, computed by the batcher; 503 when it is full or too slow (then
     * the images still queued are dropped, not computed).
     */
    private float[][] embeddings(List<float[]> batch) throws InterruptedException, ExecutionException {
        return embeddings(batch, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.timeoutMillis()));
    }

    /** As above, by {@code deadline} ({@link System#nanoTime}): the request's, when it has more to do after. */
    private float[][] embeddings(List<float[]> batch, long deadline) throws InterruptedException, ExecutionException {
        List<CompletableFuture<float[]>> futures = batcher.submit(batch, deadline);
        if (futures == null) {
            throw new BadRequest(503, batcher.serving() ? "the server is busy: its queue of " + batcher.capacity() + " images is full; retry later"
                    : "the server is not computing embeddings (shutting down, or its batching thread stopped)");
        }
        return await(futures, deadline, "no embeddings").toArray(new float[0][]);
    }

    /** The results of one request's items, in order; 503 when the deadline passes first (the items still queued are dropped). */
    private <O> List<O> await(List<CompletableFuture<O>> futures, long deadline, String what) throws InterruptedException, ExecutionException {
        List<O> out = new ArrayList<>(futures.size());
        try {
            for (CompletableFuture<O> f : futures) {
                out.add(f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
            }
        } catch (TimeoutException e) {
            throw timedOut(futures, what);
        } catch (CancellationException e) {
            throw new BadRequest(503, "the server is shutting down; retry on another instance");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TimeoutException) {
                throw timedOut(futures, what);
            }
            throw e;
        }
        return out;
    }

    /** Drops the request's items still queued (the batchers skip cancelled ones) and says why. */
    private <O> BadRequest timedOut(List<CompletableFuture<O>> futures, String what) {
        futures.forEach(f -> f.cancel(false));
        return new BadRequest(503, what + " within " + config.timeoutMillis() + " ms (--request-timeout-ms); the server is overloaded");
    }

    static float[] normalise(float[] v) {
        double n = Math.sqrt(dot(v, v));
        if (n > 0) {
            for (int i = 0; i < v.length; i++) {
                v[i] /= n;
            }
        }
        return v;
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }
}
