package org.plscj.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Hex SHA-256 digests: how checkpoints check their files and how bundles and galleries name a model's weights. */
public final class Sha256 {
    private Sha256() {}

    /** The digest of {@code file}'s bytes, read in a stream (never loaded whole). */
    public static String of(Path file) throws IOException {
        return of(Files.newInputStream(file));
    }

    /** The digest of everything {@code raw} holds; closes it. */
    public static String of(InputStream raw) throws IOException {
        try (DigestInputStream in = reading(raw)) {
            in.transferTo(OutputStream.nullOutputStream());
            return hexOf(in);
        }
    }

    /** {@code raw}, digesting what is read through it (see {@link #hexOf}). */
    public static DigestInputStream reading(InputStream raw) {
        return new DigestInputStream(raw, digest());
    }

    /** The digest of everything read through {@code in} so far (the digest restarts after this call). */
    public static String hexOf(DigestInputStream in) {
        return HexFormat.of().formatHex(in.getMessageDigest().digest());
    }

    /** The digest of {@code text}'s UTF-8 bytes. */
    public static String ofText(String text) {
        return HexFormat.of().formatHex(digest().digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JRE has no SHA-256", e);
        }
    }
}
