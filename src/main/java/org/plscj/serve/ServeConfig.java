package org.plscj.serve;

/**
 * The server's limits.
 *
 * @param maxBatch          images per backbone batch
 * @param maxWaitMillis     how long the first image of a batch waits for more
 * @param queueCapacity     images waiting at most; a request that does not fit gets 503
 * @param maxImages         images per request; more gets 413
 * @param maxRequestBytes   request body size; more gets 413
 * @param timeoutMillis     how long a request waits for its embeddings before 503
 */
public record ServeConfig(String host, int port, int maxBatch, long maxWaitMillis, int queueCapacity, int maxImages,
        long maxRequestBytes, long timeoutMillis) {
    public static ServeConfig defaults(int port) {
        return new ServeConfig("0.0.0.0", port, 32, 5, 512, 64, 16L << 20, 30_000);
    }
}
