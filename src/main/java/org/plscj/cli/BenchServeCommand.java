package org.plscj.cli;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.plscj.eval.CentreStorage;
import org.plscj.export.BundleWriter;
import org.plscj.model.Backbone;
import org.plscj.model.Backbones;
import org.plscj.export.BatchNormCalibration;
import org.plscj.serve.FaceServer;
import org.plscj.bench.ServeBenchmark;
import org.plscj.serve.ServeConfig;
import org.plscj.serve.TorchEngine;
import org.plscj.tensor.Native;
import org.plscj.tensor.Scoped;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code plsc bench serve}: HTTP embedding throughput and latency per concurrency, and identification latency. */
@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        description = {
            "Starts plsc serve in-process for each model (random weights, BatchNorm statistics calibrated on",
            "random images) and sends batch-1 POST /v1/embed requests from closed-loop clients at each",
            "concurrency; then identification over random unit class centres (generated here, 1M x 512 by default)",
            "kept fp32, fp16 and int8: the bandwidth floor (one streaming read of the centres' bytes), one pass for a",
            "batch of --identify-batch queries and one for a single query, with their ratios to the floor.",
            "--models '' runs identification only."
        })
final class BenchServeCommand implements Callable<Integer> {
    @Option(names = "--models", defaultValue = "MobileFaceNet,ResNet50", split = ",", description = "Default ${DEFAULT-VALUE}.")
    List<String> models;

    @Option(names = "--concurrency", defaultValue = "1,8,32", split = ",", description = "Default ${DEFAULT-VALUE}.")
    List<Integer> concurrency;

    @Option(names = "--requests", defaultValue = "200", description = "Requests per level (default ${DEFAULT-VALUE}).")
    int requests;

    @Option(names = "--max-batch", defaultValue = "32")
    int maxBatch;

    @Option(names = "--max-wait-ms", defaultValue = "5")
    long maxWaitMillis;

    @Option(names = "--classes", defaultValue = "1000000", description = "Class centres for identification; 0 skips it (default ${DEFAULT-VALUE}).")
    long classes;

    @Option(names = "--top-k", defaultValue = "5")
    int topK;

    @Option(names = "--identify-batch", defaultValue = "32", description = "Queries per identification batch (default ${DEFAULT-VALUE}).")
    int identifyBatch;

    @Option(names = "--identify-repeats", defaultValue = "5", description = "Timings per kind, median reported (default ${DEFAULT-VALUE}).")
    int identifyRepeats;

    @Option(names = "--centres-dtype", defaultValue = "fp32,fp16,int8", split = ",", converter = CentreStorageConverter.class,
            paramLabel = "fp32|fp16|int8", description = "Storages of the centres to time (default ${DEFAULT-VALUE}).")
    List<CentreStorage> centresDtypes;

    @Option(names = "--soak", description = "Instead: a soak of --soak-requests requests on the first model, 1 in 10 malformed or oversized, in two halves;"
            + " counts answers by status (5xx must be 0) and the process RSS before and after each half.")
    boolean soak;

    @Option(names = "--soak-requests", defaultValue = "10000", description = "Default ${DEFAULT-VALUE}.")
    int soakRequests;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Native.load();
        PrintWriter out = spec.commandLine().getOut();
        List<String> images = randomImages(16);
        if (soak) {
            return soak(out, images);
        }
        StringBuilder json = new StringBuilder("{\"bench\": \"serve\", \"threads\": " + torch.get_num_threads() + ", \"embed\": [");
        out.printf("%-14s %6s %9s %9s %9s %5s%n", "model", "conc", "req/s", "p50 ms", "p99 ms", "fail");
        for (String name : models) {
            if (name.isBlank()) {
                continue;
            }
            Backbone backbone = Backbones.create(name, 512);
            BatchNormCalibration.calibrate(backbone, torch.rand(8, 3, 112, 112).mul_(new Scalar(2)).sub_(new Scalar(1)));
            ServeConfig config = ServeConfig.defaults().withAddress("127.0.0.1", 0).withBatching(maxBatch, maxWaitMillis, 4096)
                    .withTimeouts(120_000, 10_000);
            try (FaceServer server = new FaceServer(new TorchEngine(backbone), name, null, null, config)) {
                String base = "http://127.0.0.1:" + server.start();
                ServeBenchmark.embedLoad(base, images, 2, 10); // warm-up
                for (int c : concurrency) {
                    ServeBenchmark.Level l = ServeBenchmark.embedLoad(base, images, c, requests);
                    out.printf(Locale.ROOT, "%-14s %6d %9.1f %9.1f %9.1f %5d%n", name, c, l.requestsPerSecond(), l.p50Millis(),
                            l.p99Millis(), l.failures());
                    out.flush();
                    json.append(String.format(Locale.ROOT, "{\"model\": \"%s\", \"concurrency\": %d, \"rps\": %.2f, \"p50_ms\": %.2f, "
                            + "\"p99_ms\": %.2f, \"failures\": %d}, ", name, c, l.requestsPerSecond(), l.p50Millis(), l.p99Millis(), l.failures()));
                }
            }
        }
        if (json.charAt(json.length() - 1) != '[') {
            json.setLength(json.length() - 2);
        }
        json.append("]");
        if (classes > 0) {
            identify(out, json);
        }
        out.println(json.append("}"));
        return 0;
    }

    private void identify(PrintWriter out, StringBuilder json) {
        double gflops = ServeBenchmark.gemmGflops();
        double computeFloor = 2.0 * identifyBatch * classes * 512 / gflops / 1e6;
        json.append(String.format(Locale.ROOT, ", \"gemm_gflops\": %.1f, \"batch_compute_floor_ms\": %.2f", gflops, computeFloor));
        json.append(", \"identify\": [");
        out.printf("identification: top-%d over %,d random unit centres x 512, medians of %d; floor = one streaming read of the centres' bytes%n",
                topK, classes, identifyRepeats);
        out.printf(Locale.ROOT, "compute floor of a batch of %d: 2*%d*%d*512 flop at %.1f GFLOP/s (a 2048^3 fp32 GEMM in this run) = %.1f ms%n",
                identifyBatch, identifyBatch, classes, gflops, computeFloor);
        out.printf("%-6s %10s %9s %12s %7s %12s %7s %11s %14s%n", "dtype", "bytes/cls", "floor ms", "batch" + identifyBatch + " ms", "ratio",
                "1 query ms", "ratio", "GB/s floor", "search bytes");
        Scoped.run(() -> {
            Tensor unit = BundleWriter.normalisedRows(torch.randn(classes, 512));
            for (CentreStorage storage : centresDtypes) {
                ServeBenchmark.Identify r = ServeBenchmark.identify(unit, storage, topK, identifyBatch, identifyRepeats);
                double gbps = classes * (double) r.bytesPerClass() / r.floorMillis() / 1e6;
                out.printf(Locale.ROOT, "%-6s %10d %9.1f %12.1f %7.2f %12.1f %7.2f %11.1f %14d%n", storage.name().toLowerCase(Locale.ROOT),
                        r.bytesPerClass(), r.floorMillis(), r.batchMillis(), r.batchVsFloor(), r.singleMillis(), r.singleVsFloor(), gbps,
                        r.bytesPerSearch());
                out.flush();
                json.append(String.format(Locale.ROOT, "{\"dtype\": \"%s\", \"classes\": %d, \"dim\": 512, \"k\": %d, \"batch\": %d, "
                        + "\"floor_ms\": %.2f, \"batch_ms\": %.2f, \"batch_vs_floor\": %.3f, \"single_ms\": %.2f, \"single_vs_floor\": %.3f, "
                        + "\"bytes_per_class\": %d, \"bytes_per_search\": %d}, ", storage.name().toLowerCase(Locale.ROOT), classes, topK,
                        identifyBatch, r.floorMillis(), r.batchMillis(), r.batchVsFloor(), r.singleMillis(), r.singleVsFloor(),
                        r.bytesPerClass(), r.bytesPerSearch()));
            }
        });
        json.setLength(json.length() - 2);
        json.append("]");
    }

    /** Accepts fp32, fp16 or int8 in any case. */
    static final class CentreStorageConverter implements ITypeConverter<CentreStorage> {
        @Override
        public CentreStorage convert(String value) {
            try {
                return CentreStorage.valueOf(value.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException("--centres-dtype must be fp32, fp16 or int8, got '" + value + "'");
            }
        }
    }

    private int soak(PrintWriter out, List<String> images) throws Exception {
        String name = models.get(0);
        Backbone backbone = Backbones.create(name, 512);
        BatchNormCalibration.calibrate(backbone, torch.rand(8, 3, 112, 112).mul_(new Scalar(2)).sub_(new Scalar(1)));
        long maxBody = 1L << 20;
        ServeConfig config = ServeConfig.defaults().withAddress("127.0.0.1", 0).withBatching(maxBatch, maxWaitMillis, 4096)
                .withRequestLimits(64, maxBody, 16_000_000).withTimeouts(120_000, 10_000);
        try (FaceServer server = new FaceServer(new TorchEngine(backbone), name, null, null, config)) {
            String base = "http://127.0.0.1:" + server.start();
            ServeBenchmark.soak(base, images, 200, 20, 8, maxBody); // warm-up: every kind of request once
            // why two halves: growth in the first can be the heap settling; growth again in the second would be a leak
            long[] rss = new long[3];
            ServeBenchmark.Soak[] halves = new ServeBenchmark.Soak[2];
            rss[0] = rssAfterGc();
            for (int h = 0; h < 2; h++) {
                halves[h] = ServeBenchmark.soak(base, images, soakRequests / 2, soakRequests / 20, 8, maxBody);
                rss[h + 1] = rssAfterGc();
            }
            for (int h = 0; h < 2; h++) {
                ServeBenchmark.Soak s = halves[h];
                out.printf(Locale.ROOT, "soak %s, half %d: %d requests (%d malformed or oversized) in %.1f s from 8 clients: statuses %s, "
                        + "%d connections closed by the server before its answer was read, %d 5xx; RSS %d → %d MiB%n",
                        name, h + 1, s.requests(), s.malformed(), s.seconds(), s.statuses(), s.connectionErrors(), s.serverErrors(),
                        rss[h] >> 10, rss[h + 1] >> 10);
                out.printf(Locale.ROOT, "{\"bench\": \"serve-soak\", \"model\": \"%s\", \"half\": %d, \"requests\": %d, \"malformed\": %d, "
                        + "\"seconds\": %.1f, \"statuses\": \"%s\", \"connection_errors\": %d, \"server_errors\": %d, \"rss_before_mib\": %d, "
                        + "\"rss_after_mib\": %d}%n", name, h + 1, s.requests(), s.malformed(), s.seconds(), s.statuses(), s.connectionErrors(),
                        s.serverErrors(), rss[h] >> 10, rss[h + 1] >> 10);
            }
            out.flush();
            return halves[0].serverErrors() + halves[1].serverErrors() == 0 ? 0 : 1;
        }
    }

    private static long rssAfterGc() throws IOException {
        System.gc();
        return ServeBenchmark.rssKiB();
    }

    private static List<String> randomImages(int n) throws IOException {
        Random random = new Random(1);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            BufferedImage image = new BufferedImage(112, 112, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < 112; y++) {
                for (int x = 0; x < 112; x++) {
                    image.setRGB(x, y, random.nextInt(1 << 24));
                }
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            ImageIO.write(image, "jpg", bytes);
            out.add(Base64.getEncoder().encodeToString(bytes.toByteArray()));
        }
        return out;
    }
}
