package org.plscj.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.plscj.export.BundleWriter;
import org.plscj.export.CentresPrecision;
import org.plscj.labels.LabelMap;
import org.plscj.tensor.Native;

/** {@code /v1/identify} over a bundle's class centres answers each class with its name; /health and /metrics name the model. */
class NamedIdentifyTest {
    private static final int CLASSES = 30;
    private static final int NAMED = 25;

    @TempDir
    Path root;

    @Test
    void identifyAnswersTheClassAndItsNameAndHealthAndMetricsTheFingerprint() throws Exception {
        Native.load();
        // the last classes unnamed: a map may name fewer classes than the head has (a head grown on data without names)
        LabelMap names = LabelMap.numbered(IntStream.range(0, NAMED).mapToObj(i -> "id-" + i).toList(), "t");
        Path bundleDir = root.resolve("bundle");
        BundleWriter.fromCheckpoint(TestBundles.checkpoint(root.resolve("run"), CLASSES, names), bundleDir, CentresPrecision.FP32, null);
        ModelBundle bundle = ModelBundle.open(bundleDir);
        ServeConfig config = ServeConfig.defaults().withAddress("127.0.0.1", 0);
        try (FaceServer server = new FaceServer(new TorchEngine(bundle.backbone()), bundle.served(), config)) {
            ServeHttp client = new ServeHttp(server.start(), null);
            HttpResponse<String> r = client.post("/v1/identify", "{\"images\": " + ServeHttp.images(ServeHttp.png(1), ServeHttp.png(2))
                    + ", \"k\": " + CLASSES + "}");
            assertEquals(200, r.statusCode(), r.body());
            JsonNode results = ServeHttp.json(r).get("results");
            for (JsonNode perImage : results) {
                assertEquals(CLASSES, perImage.size());
                for (JsonNode match : perImage) {
                    long c = match.get("class").asLong();
                    if (c < NAMED) {
                        assertEquals("id-" + c, match.get("name").asText(), match.toString());
                    } else {
                        assertTrue(match.get("name") == null, "an unnamed class has no name: " + match);
                    }
                }
            }
            JsonNode health = ServeHttp.json(client.get("/health"));
            assertEquals(bundle.fingerprint(), health.get("fingerprint").asText());
            assertEquals(NAMED, health.get("named_classes").asInt());
            String metrics = client.get("/metrics").body();
            String info = metrics.lines().filter(l -> l.startsWith("plsc_model_info{")).findFirst().orElse("no plsc_model_info in\n" + metrics);
            assertTrue(info.contains("model=\"" + TestBundles.MODEL + "\"") && info.contains("fingerprint=\"" + bundle.fingerprint() + "\"")
                    && Double.parseDouble(info.substring(info.lastIndexOf(' ') + 1)) == 1, info);
        }
    }
}
