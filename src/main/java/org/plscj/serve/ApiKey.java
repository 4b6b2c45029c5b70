package org.plscj.serve;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The shared secret clients present as {@code Authorization: Bearer <key>}. Only its SHA-256 is
 * kept, and headers are compared digest to digest with {@link MessageDigest#isEqual} (time
 * independent of where they differ and of the header's length), so timing does not leak the key.
 */
public final class ApiKey {
    /** why 16: shorter keys can be guessed over the network faster than a limiter would notice. */
    static final int MIN_LENGTH = 16;
    private static final String BEARER = "Bearer ";
    private final byte[] digest;

    private ApiKey(byte[] digest) {
        this.digest = digest;
    }

    /** The key {@code key} (surrounding whitespace dropped); {@code source} names it in errors. */
    public static ApiKey of(String key, String source) {
        String k = key.strip();
        if (k.length() < MIN_LENGTH || !k.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new IllegalArgumentException(source + ": an API key must be at least " + MIN_LENGTH
                    + " printable ASCII characters without spaces (e.g. from 'openssl rand -hex 32'), got " + k.length() + " characters");
        }
        return new ApiKey(sha256(k));
    }

    /** The key in the first line of {@code file}. */
    public static ApiKey read(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        int newline = text.indexOf('\n');
        return of(newline < 0 ? text : text.substring(0, newline), file.toString());
    }

    /** Whether {@code authorization} (the header's value, possibly null) is {@code Bearer <this key>}. */
    boolean authorises(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return false;
        }
        return MessageDigest.isEqual(digest, sha256(authorization.substring(BEARER.length()).strip()));
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return "ApiKey[hidden]";
    }
}
