package org.plscj.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import javax.imageio.ImageIO;

/** A client of one test server: JSON requests with an optional API key, images, and a raw chunked upload. */
final class ServeHttp {
    static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http;
    final String base;
    private final String key;

    ServeHttp(String base, String key, HttpClient http) {
        this.base = base;
        this.key = key;
        this.http = http;
    }

    ServeHttp(int port, String key) {
        this("http://127.0.0.1:" + port, key, HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build());
    }

    HttpResponse<String> post(String path, String contentType, String body) throws IOException, InterruptedException {
        HttpRequest.Builder r = request(path).POST(HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            r.header("Content-Type", contentType);
        }
        return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, String json) throws IOException, InterruptedException {
        return post(path, "application/json", json);
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> delete(String path) throws IOException, InterruptedException {
        return http.send(request(path).DELETE().build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(base + path));
        if (key != null) {
            r.header("Authorization", "Bearer " + key);
        }
        return r;
    }

    static JsonNode json(HttpResponse<String> r) throws IOException {
        return JSON.readTree(r.body());
    }

    static String images(String... base64) {
        return "[\"" + String.join("\", \"", base64) + "\"]";
    }

    /** A base64 112 × 112 PNG of random pixels from {@code seed}. */
    static String png(long seed) throws IOException {
        Random random = new Random(seed);
        BufferedImage image = new BufferedImage(112, 112, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 112; y++) {
            for (int x = 0; x < 112; x++) {
                image.setRGB(x, y, random.nextInt(1 << 24));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return Base64.getEncoder().encodeToString(out.toByteArray());
    }

    /** What a raw chunked upload saw: the status line and how many body bytes had been sent when it arrived. */
    record Chunked(String statusLine, long bytesSentBeforeAnswer) {}

    /**
     * POSTs a chunked JSON body of {@code total} bytes on a raw socket (so nothing declares its
     * length) while reading the answer, which may come before the body is sent.
     */
    static Chunked chunkedPost(int port, String path, String contentType, long total) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(60_000);
            AtomicLong sent = new AtomicLong();
            Thread writer = new Thread(() -> {
                try {
                    OutputStream out = socket.getOutputStream();
                    out.write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: " + contentType + "\r\n"
                            + "Transfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    byte[] chunk = new byte[1 << 16];
                    Arrays.fill(chunk, (byte) 'A');
                    byte[] head = (Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
                    byte[] crlf = "\r\n".getBytes(StandardCharsets.US_ASCII);
                    while (sent.get() < total) {
                        out.write(head);
                        out.write(chunk);
                        out.write(crlf);
                        sent.addAndGet(chunk.length);
                    }
                    out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                } catch (IOException e) {
                    // the server closed the connection after refusing the body: expected
                }
            });
            writer.setDaemon(true);
            writer.start();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            String status = in.readLine();
            long sentThen = sent.get();
            socket.close();
            writer.join(10_000);
            return new Chunked(status, sentThen);
        }
    }
}
