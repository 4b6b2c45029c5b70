package org.plscj.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Who can reach what: API key (401), body types (415), gallery writes on an open address (403), HTTPS from PEM files. */
class ServeAccessTest {
    private static final String KEY = "0123456789abcdef-test-key";
    /** A self-signed EC certificate for 127.0.0.1 and its PKCS#8 key (openssl req -x509 -newkey ec … -addext subjectAltName=IP:127.0.0.1). */
    private static final Path TLS = Path.of("src/test/resources/fixtures/serve/tls");

    @TempDir
    Path dir;

    private static ServeConfig loopback() {
        return ServeConfig.defaults().withAddress("127.0.0.1", 0);
    }

    @Test
    void withAKeyEveryEndpointButHealthAnswers401WithoutItOrWithAWrongOne() throws Exception {
        Path keyFile = Files.writeString(dir.resolve("key"), KEY + "\n");
        try (FaceServer server = new FaceServer(new SliceEngine(0), "slices", null, null, loopback().withApiKey(ApiKey.read(keyFile)))) {
            int port = server.start();
            ServeHttp anonymous = new ServeHttp(port, null);
            ServeHttp wrong = new ServeHttp(port, KEY + "x");
            ServeHttp shorter = new ServeHttp(port, KEY.substring(1));
            ServeHttp right = new ServeHttp(port, KEY);
            String body = "{\"images\": " + ServeHttp.images(ServeHttp.png(1)) + "}";
            for (ServeHttp client : new ServeHttp[] {anonymous, wrong, shorter}) {
                HttpResponse<String> r = client.post("/v1/embed", body);
                assertEquals(401, r.statusCode(), r.body());
                assertEquals("Bearer", r.headers().firstValue("WWW-Authenticate").orElse(""));
                assertEquals(401, client.get("/metrics").statusCode());
                assertEquals(401, client.get("/v1/gallery").statusCode());
                assertEquals(401, client.post("/v1/gallery", "{\"id\": \"mallory\", \"images\": " + ServeHttp.images(ServeHttp.png(2)) + "}").statusCode());
                assertEquals(200, client.get("/health").statusCode(), "/health stays open for orchestrators");
            }
            assertEquals(200, right.post("/v1/embed", body).statusCode());
            assertEquals(200, right.post("/v1/gallery", "{\"id\": \"alice\", \"images\": " + ServeHttp.images(ServeHttp.png(2)) + "}").statusCode());
            assertEquals(1, ServeHttp.json(right.get("/v1/gallery")).get("count").asInt(), "the refused enrolment left no trace");
        }
    }

    @Test
    void aKeyShorterThan16CharactersIsRefusedAtStartUp() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ApiKey.of("short", "PLSC_API_KEY"));
        assertTrue(e.getMessage().contains("PLSC_API_KEY") && e.getMessage().contains("16"), e.getMessage());
        assertFalse(ApiKey.of(KEY, "test").toString().contains(KEY), "the key never appears in logs");
    }

    @Test
    void bodiesOtherThanJsonOrMultipartGet415() throws Exception {
        try (FaceServer server = new FaceServer(new SliceEngine(0), "slices", null, null, loopback())) {
            ServeHttp client = new ServeHttp(server.start(), null);
            String body = "{\"images\": " + ServeHttp.images(ServeHttp.png(1)) + "}";
            // why text/plain: a cross-site form or fetch can send it without a CORS preflight
            for (String type : new String[] {"text/plain", "application/x-www-form-urlencoded", null}) {
                HttpResponse<String> r = client.post("/v1/embed", type, body);
                assertEquals(415, r.statusCode(), type + ": " + r.body());
                assertTrue(ServeHttp.json(r).get("error").asText().contains("application/json or multipart/form-data"), r.body());
            }
            assertEquals(200, client.post("/v1/embed", "application/json; charset=utf-8", body).statusCode());
        }
    }

    @Test
    void anOpenAddressWithoutAKeyRefusesGalleryWritesButServesEmbeddings() throws Exception {
        try (FaceServer server = new FaceServer(new SliceEngine(0), "slices", null, null, ServeConfig.defaults().withAddress("0.0.0.0", 0))) {
            ServeHttp client = new ServeHttp(server.start(), null);
            HttpResponse<String> enrol = client.post("/v1/gallery", "{\"id\": \"mallory\", \"images\": " + ServeHttp.images(ServeHttp.png(1)) + "}");
            assertEquals(403, enrol.statusCode(), enrol.body());
            assertTrue(enrol.body().contains("--api-key-file"), enrol.body());
            assertEquals(403, client.delete("/v1/gallery/alice").statusCode());
            assertEquals(200, client.post("/v1/embed", "{\"images\": " + ServeHttp.images(ServeHttp.png(1)) + "}").statusCode());
            assertEquals(0, ServeHttp.json(client.get("/v1/gallery")).get("count").asInt());
        }
    }

    @Test
    void pemCertificateAndKeyServeHttps() throws Exception {
        ServeConfig config = loopback().withTls(new ServeConfig.TlsFiles(TLS.resolve("cert.pem"), TLS.resolve("key.pem")));
        try (FaceServer server = new FaceServer(new SliceEngine(0), "slices", null, null, config)) {
            int port = server.start();
            ServeHttp https = new ServeHttp("https://127.0.0.1:" + port, null, HttpClient.newBuilder().sslContext(trusting(TLS.resolve("cert.pem")))
                    .version(HttpClient.Version.HTTP_1_1).build());
            assertEquals(200, https.get("/health").statusCode());
            assertEquals(200, https.post("/v1/embed", "{\"images\": " + ServeHttp.images(ServeHttp.png(1)) + "}").statusCode());
            assertThrows(IOException.class, () -> new ServeHttp(port, null).get("/health"), "plain HTTP is not served on the TLS port");
        }
    }

    @Test
    void aKeyFileThatIsNotPkcs8IsNamedWithTheFix() throws Exception {
        Path rsa = Files.writeString(dir.resolve("rsa.pem"), "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n");
        ServeConfig config = loopback().withTls(new ServeConfig.TlsFiles(TLS.resolve("cert.pem"), rsa));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new FaceServer(new SliceEngine(0), "slices", null, null, config));
        assertTrue(e.getMessage().contains(rsa.toString()) && e.getMessage().contains("openssl pkcs8 -topk8"), e.getMessage());
    }

    private static SSLContext trusting(Path cert) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(cert)) {
            trust.setCertificateEntry("test", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        return ssl;
    }
}
