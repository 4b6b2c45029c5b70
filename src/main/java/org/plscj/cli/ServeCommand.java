package org.plscj.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.plscj.serve.FaceServer;
import org.plscj.serve.ModelBundle;
import org.plscj.serve.OnnxEngine;
import org.plscj.serve.ServeConfig;
import org.plscj.tensor.Native;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code plsc serve}: an inference bundle (or any ONNX face model) over HTTP. */
@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        description = {
            "Serves embeddings over HTTP: POST /v1/embed, /FaceClassifyService/inference (PLSC v1), /v1/verify,",
            "/v1/identify (top-k among the bundle's class centres); GET /health, /metrics (Prometheus).",
            "Concurrent requests are batched (--max-batch, --max-wait-ms); a full queue answers 503."
        })
final class ServeCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "BUNDLE|FILE.onnx",
            description = "A bundle from 'plsc export'/'plsc import', or an ONNX model [N,3,112,112] → [N,D] (e.g. insightface's).")
    Path model;

    @Option(names = "--engine", defaultValue = "torch", paramLabel = "torch|onnx",
            description = "Run a bundle's backbone on libtorch or its backbone.onnx on onnxruntime (default ${DEFAULT-VALUE}).")
    String engine;

    @Option(names = "--host", defaultValue = "0.0.0.0")
    String host;

    @Option(names = "--port", defaultValue = "8010", description = "Port (default ${DEFAULT-VALUE}, PLSC's; 0 = any free one).")
    int port;

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

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Native.load();
        ServeConfig config = new ServeConfig(host, port, maxBatch, maxWaitMillis, queue, maxImages, maxRequestMb << 20, 30_000);
        FaceServer server;
        if (Files.isRegularFile(model)) {
            server = new FaceServer(new OnnxEngine(model), model.getFileName().toString(), null, null, config);
        } else {
            ModelBundle bundle = ModelBundle.open(model);
            server = new FaceServer(bundle.engine(engine), bundle.meta().modelName(), bundle.meta().verificationThreshold(), bundle.centres(), config);
        }
        int bound = server.start();
        spec.commandLine().getOut().printf("serving %s on http://%s:%d (POST /v1/embed, /v1/verify, /v1/identify, "
                + "/FaceClassifyService/inference; GET /health, /metrics)%n", model, host, bound);
        spec.commandLine().getOut().flush();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }));
        stopped.await();
        return 0;
    }
}
