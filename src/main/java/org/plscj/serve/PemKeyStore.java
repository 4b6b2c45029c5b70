package org.plscj.serve;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A key store for Jetty's TLS connector built from the PEM files web servers use: a certificate
 * chain (leaf first) and an unencrypted PKCS#8 private key (RSA or EC), read with the JDK alone.
 */
final class PemKeyStore {
    /** The in-memory store's password: it never touches disk, Jetty just requires one. */
    static final String PASSWORD = "plsc";
    static final String ALIAS = "plsc";
    private static final Pattern PKCS8 = Pattern.compile("-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

    private PemKeyStore() {}

    static KeyStore load(ServeConfig.TlsFiles files) throws IOException {
        Collection<? extends Certificate> chain;
        try (InputStream in = Files.newInputStream(files.certificate())) {
            chain = CertificateFactory.getInstance("X.509").generateCertificates(in);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(files.certificate() + " is not a PEM certificate chain: " + e.getMessage(), e);
        }
        if (chain.isEmpty()) {
            throw new IllegalArgumentException(files.certificate() + " holds no certificate (expected -----BEGIN CERTIFICATE-----)");
        }
        PrivateKey key = privateKey(files.privateKey());
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry(ALIAS, key, PASSWORD.toCharArray(), chain.toArray(new Certificate[0]));
            return store;
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("the key in " + files.privateKey() + " does not go with the certificate in "
                    + files.certificate() + ": " + e.getMessage(), e);
        }
    }

    private static PrivateKey privateKey(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        Matcher m = PKCS8.matcher(text);
        if (!m.find()) {
            throw new IllegalArgumentException(file + " holds no unencrypted PKCS#8 key (-----BEGIN PRIVATE KEY-----); convert it with "
                    + "'openssl pkcs8 -topk8 -nocrypt -in " + file + " -out key.pem'");
        }
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(Base64.getMimeDecoder().decode(m.group(1)));
        for (String algorithm : List.of("RSA", "EC")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException e) {
                // why: PKCS#8 names its algorithm inside the DER; trying the two web servers use is simpler than parsing it
            }
        }
        throw new IllegalArgumentException(file + " holds a PKCS#8 key that is neither RSA nor EC");
    }
}
