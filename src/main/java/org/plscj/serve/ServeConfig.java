package org.plscj.serve;

import java.nio.file.Path;

/**
 * How {@code plsc serve} listens, who may call it, and its limits.
 *
 * @param host            address to bind; only a loopback address is private to this machine
 * @param maxBatch        images per backbone batch
 * @param maxWaitMillis   how long the first image of a batch waits for more
 * @param queueCapacity   images waiting at most; a request that does not fit gets 503
 * @param maxImages       images per request; more gets 413
 * @param maxRequestBytes request body size, counted while reading (chunked bodies too); more gets 413
 * @param maxImagePixels  width × height of one image, read from its header before decoding; more gets 413
 * @param timeoutMillis   how long a request waits for its embeddings before 503 (then they are not computed)
 * @param drainMillis     on shutdown, how long in-flight requests may take to finish
 * @param apiKey          when set, every endpoint but {@code /health} requires {@code Authorization: Bearer <key>}
 * @param galleryDir      where enrolments are persisted; null keeps them in memory only
 * @param maxGallery      enrolled identities at most
 * @param tls             the PEM certificate chain and key to serve HTTPS with, or null for plain HTTP
 * @param acceptGalleryFrom the fingerprint of another model whose persisted templates to accept, or null ({@link GalleryBinding})
 */
public record ServeConfig(String host, int port, int maxBatch, long maxWaitMillis, int queueCapacity, int maxImages,
        long maxRequestBytes, long maxImagePixels, long timeoutMillis, long drainMillis, ApiKey apiKey, Path galleryDir,
        int maxGallery, TlsFiles tls, String acceptGalleryFrom) {

    /** A PEM certificate chain and its PKCS#8 private key. */
    public record TlsFiles(Path certificate, Path privateKey) {}

    public static final String DEFAULT_HOST = "127.0.0.1";

    public ServeConfig {
        if (maxBatch <= 0 || queueCapacity <= 0 || maxImages <= 0 || maxRequestBytes <= 0 || maxImagePixels <= 0
                || timeoutMillis <= 0 || drainMillis < 0 || maxWaitMillis < 0 || maxGallery <= 0) {
            throw new IllegalArgumentException("serve limits must be positive (max wait and drain time not negative): " + this);
        }
    }

    /** Loopback only, port 8010 (PLSC's), no key, gallery in memory, 16 MiB bodies, 16 MP images, 30 s timeout. */
    public static ServeConfig defaults() {
        return new ServeConfig(DEFAULT_HOST, 8010, 32, 5, 512, 64, 16L << 20, 16_000_000, 30_000, 10_000, null, null, 100_000, null, null);
    }

    public ServeConfig withAddress(String host, int port) {
        return new ServeConfig(host, port, maxBatch, maxWaitMillis, queueCapacity, maxImages, maxRequestBytes, maxImagePixels,
                timeoutMillis, drainMillis, apiKey, galleryDir, maxGallery, tls, acceptGalleryFrom);
    }

    public ServeConfig withBatching(int maxBatch, long maxWaitMillis, int queueCapacity) {
        return new ServeConfig(host, port, maxBatch, maxWaitMillis, queueCapacity, maxImages, maxRequestBytes, maxImagePixels,
                timeoutMillis, drainMillis, apiKey, galleryDir, maxGallery, tls, acceptGalleryFrom);
    }

    public ServeConfig withRequestLimits(int maxImages, long maxRequestBytes, long maxImagePixels) {
        return new ServeConfig(host, port, maxBatch, maxWaitMillis, queueCapacity, maxImages, maxRequestBytes, maxImagePixels,
                timeoutMillis, drainMillis, apiKey, galleryDir, maxGallery, tls, acceptGalleryFrom);
    }

    public ServeConfig withTimeouts(long timeoutMillis, long drainMillis) {
        return new ServeConfig(host, port, maxBatch, maxWaitMillis, queueCapacity, maxImages, maxRequestBytes, maxImagePixels,
                timeoutMillis, drainMillis, apiKey, galleryDir, maxGallery, tls, acceptGalleryFrom);
    }

    public ServeConfig withApiKey(ApiKey apiKey) {
        return new ServeConfig(host, port, maxBatch, maxWaitMillis, queueCapacity, maxImages, maxRequestBytes, maxImagePixels,
                timeoutMillis, drainMillis, apiKey, galleryDir, maxGallery, tls, acceptGalleryFrom);
    }

    public ServeConfig withGallery(Path galleryDir, int maxGallery) {
        return new ServeConfig(host, port, maxBatch, maxWaitMillis, queueCapacity, maxImages, maxRequestBytes, maxImagePixels,
                timeoutMillis, drainMillis, apiKey, galleryDir, maxGallery, tls, acceptGalleryFrom);
    }

    public ServeConfig withTls(TlsFiles tls) {
        return new ServeConfig(host, port, maxBatch, maxWaitMillis, queueCapacity, maxImages, maxRequestBytes, maxImagePixels,
                timeoutMillis, drainMillis, apiKey, galleryDir, maxGallery, tls, acceptGalleryFrom);
    }

    /** Accept a persisted gallery made by the model with fingerprint {@code fingerprint} (null: only this model's). */
    public ServeConfig withGalleryFrom(String fingerprint) {
        return new ServeConfig(host, port, maxBatch, maxWaitMillis, queueCapacity, maxImages, maxRequestBytes, maxImagePixels,
                timeoutMillis, drainMillis, apiKey, galleryDir, maxGallery, tls, fingerprint);
    }
}
