package org.plscj.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.plscj.io.Sha256;
import org.plscj.serve.ApiKey;
import org.plscj.serve.FaceServer;
import org.plscj.serve.ModelBundle;
import org.plscj.serve.OnnxEngine;
import org.plscj.serve.ServeConfig;
import org.plscj.serve.ServedModel;
import org.plscj.tensor.Native;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code plsc serve}: an inference bundle (or any ONNX face model) over HTTP. */
@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        description = {
            "Serves embeddings over HTTP: POST /v1/embed, /FaceClassifyService/inference (PLSC v1), /v1/verify,",
            "/v1/identify (top-k among the bundle's class centres or the gallery), /v1/gallery (enrol; GET lists, DELETE /{id} removes);",
            "GET /health, /metrics (Prometheus); both name the model's fingerprint (SHA-256 of its weights).",
            "A --gallery-dir is bound to the model that made its templates: another model's gallery is refused (see",
            "--accept-gallery-from and 'plsc gallery re-enrol').",
            "Concurrent requests are batched (--max-batch, --max-wait-ms); a full queue answers 503.",
            "Binds 127.0.0.1 unless --host says otherwise; on other addresses set an API key (gallery writes are refused without one).",
            "SIGTERM/SIGINT: stops accepting, drains in-flight requests (--drain-ms), exits 0."
        })
final class ServeCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "BUNDLE|FILE.onnx",
            description = "A bundle from 'plsc export'/'plsc import', or an ONNX model [N,3,112,112] → [N,D] (e.g. insightface's).")
    Path model;

    @Option(names = "--engine", defaultValue = "torch", paramLabel = "torch|onnx",
            description = "Run a bundle's backbone on libtorch or its backbone.onnx on onnxruntime (default ${DEFAULT-VALUE}).")
    String engine;

    @Option(names = "--host", defaultValue = ServeConfig.DEFAULT_HOST,
            description = "Address to bind (default ${DEFAULT-VALUE}: this machine only; 0.0.0.0 for every interface, then set an API key).")
    String host;

    @Option(names = "--port", defaultValue = "8010", description = "Port (default ${DEFAULT-VALUE}, PLSC's; 0 = any free one).")
    int port;

    @Option(names = "--api-key-file", paramLabel = "FILE",
            description = "Require 'Authorization: Bearer <key>' on every endpoint but /health; the key is the file's first line"
                    + " (or set PLSC_API_KEY).")
    Path apiKeyFile;

    @Option(names = "--tls-cert", paramLabel = "PEM", description = "Serve HTTPS with this certificate chain (PEM, leaf first); needs --tls-key.")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "PEM", description = "The certificate's unencrypted PKCS#8 private key (PEM).")
    Path tlsKey;

    @Option(names = "--gallery-dir", paramLabel = "DIR",
            description = "Persist enrolments here (log fsynced before each answer, periodic snapshots); without it they are in memory only.")
    Path galleryDir;

    @Option(names = "--accept-gallery-from", paramLabel = "FINGERPRINT",
            description = "Serve a --gallery-dir whose templates another model made (the fingerprint its refusal names); the gallery"
                    + " is then bound to this model. Without it such a gallery is refused: re-enrol it with 'plsc gallery re-enrol'.")
    String acceptGalleryFrom;

    @Option(names = "--max-gallery", defaultValue = "100000", description = "Enrolled identities at most (default ${DEFAULT-VALUE}).")
    int maxGallery;

    @Option(names = "--max-batch", defaultValue = "32", description = "Images per backbone batch (default ${DEFAULT-VALUE}).")
    int maxBatch;

    @Option(names = "--max-wait-ms", defaultValue = "5", description = "How long a batch waits to fill (default ${DEFAULT-VALUE}).")
    long maxWaitMillis;

    @Option(names = "--queue", defaultValue = "512", description = "Images waiting at most before 503 (default ${DEFAULT-VALUE}).")
    int queue;

    @Option(names = "--max-images", defaultValue = "64", description = "Images per request before 413 (default ${DEFAULT-VALUE}).")
    int maxImages;

    @Option(names = "--max-request-mb", defaultValue = "16", description = "Request body size before 413 (default ${DEFAULT-VALUE}).")
    long maxRequestMb;

    @Option(names = "--max-image-pixels", defaultValue = "16000000",
            description = "Width x height of one image, read from its header before decoding; more gets 413 (default ${DEFAULT-VALUE}).")
    long maxImagePixels;

    @Option(names = "--request-timeout-ms", defaultValue = "30000",
            description = "How long a request waits for its embeddings before 503; its images are then dropped (default ${DEFAULT-VALUE}).")
    long requestTimeoutMillis;

    @Option(names = "--drain-ms", defaultValue = "10000",
            description = "On SIGTERM, how long in-flight requests may take to finish before the exit (default ${DEFAULT-VALUE}).")
    long drainMillis;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if ((tlsCert == null) != (tlsKey == null)) {
            throw new ParameterException(spec.commandLine(), "--tls-cert and --tls-key go together");
        }
        String envKey = System.getenv("PLSC_API_KEY");
        ApiKey key = apiKeyFile != null ? ApiKey.read(apiKeyFile) : envKey != null && !envKey.isBlank() ? ApiKey.of(envKey, "PLSC_API_KEY") : null;
        ServeConfig config = ServeConfig.defaults().withAddress(host, port).withBatching(maxBatch, maxWaitMillis, queue)
                .withRequestLimits(maxImages, maxRequestMb << 20, maxImagePixels).withTimeouts(requestTimeoutMillis, drainMillis)
                .withApiKey(key).withGallery(galleryDir, maxGallery).withGalleryFrom(acceptGalleryFrom)
                .withTls(tlsCert == null ? null : new ServeConfig.TlsFiles(tlsCert, tlsKey));
        Native.load();
        FaceServer server;
        if (Files.isRegularFile(model)) {
            server = new FaceServer(new OnnxEngine(model), new ServedModel(model.getFileName().toString(), Sha256.of(model), null, null, null),
                    config);
        } else {
            ModelBundle bundle = ModelBundle.open(model);
            server = new FaceServer(bundle.engine(engine), bundle.served(), config);
        }
        int bound = server.start();
        spec.commandLine().getOut().printf("serving %s on %s://%s:%d (POST /v1/embed, /v1/verify, /v1/identify, /v1/gallery, "
                + "/FaceClassifyService/inference; GET /v1/gallery, /health, /metrics; DELETE /v1/gallery/{id})%n",
                model, tlsCert == null ? "http" : "https", host, bound);
        spec.commandLine().getOut().flush();
        server.serveUntilSignalled();
        return 0;
    }
}
