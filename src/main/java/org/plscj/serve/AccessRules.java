package org.plscj.serve;

import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Set;

/**
 * Who may call what, checked before every handler: with an API key every path but {@code /health}
 * needs {@code Authorization: Bearer <key>} (401); bodies must be JSON or multipart forms (415) —
 * the two types a browser cannot send cross-site without a CORS preflight being refused, except
 * multipart, which the key then guards; and a server reachable from other machines without a key
 * refuses gallery writes (403), since anyone could otherwise put their face under someone's name.
 */
final class AccessRules {
    static final String GALLERY = "/v1/gallery";
    private static final Set<String> BODY_TYPES = Set.of("application/json", "multipart/form-data");
    private static final Set<HandlerType> BODY_METHODS = Set.of(HandlerType.POST, HandlerType.PUT, HandlerType.PATCH);

    private final ApiKey key;
    private final boolean loopback;

    AccessRules(ApiKey key, String host) {
        this.key = key;
        this.loopback = isLoopback(host);
    }

    boolean galleryWritable() {
        return key != null || loopback;
    }

    /** Reachable from other machines without a key. */
    boolean open() {
        return !galleryWritable();
    }

    /** What the start-up log says about access. */
    String describe(String host) {
        return key != null ? "every endpoint but /health requires 'Authorization: Bearer <key>'"
                : loopback ? "no API key: only processes on this machine can reach " + host
                : host + " is reachable from other machines and no API key is set (--api-key-file or PLSC_API_KEY):"
                + " anyone who reaches the port can embed and identify, and gallery writes are refused (403)";
    }

    void check(Context ctx) {
        if (key != null && !ctx.path().equals("/health") && !key.authorises(ctx.header("Authorization"))) {
            ctx.header("WWW-Authenticate", "Bearer");
            throw new BadRequest(401, ctx.header("Authorization") == null ? "this server requires 'Authorization: Bearer <key>'"
                    : "the API key is not valid");
        }
        if (BODY_METHODS.contains(ctx.method())) {
            String type = ctx.contentType();
            String media = type == null ? "" : type.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
            if (!BODY_TYPES.contains(media)) {
                throw new BadRequest(415, "the body must be application/json or multipart/form-data, got "
                        + (type == null ? "no Content-Type" : "'" + media + "'"));
            }
        }
        boolean galleryWrite = (ctx.path().equals(GALLERY) || ctx.path().startsWith(GALLERY + "/")) && ctx.method() != HandlerType.GET;
        if (galleryWrite && !galleryWritable()) {
            throw new BadRequest(403, "gallery writes are refused: this server listens on a non-loopback address without an API key;"
                    + " restart it with --api-key-file (or PLSC_API_KEY)");
        }
    }

    private static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("--host " + host + " does not resolve: " + e.getMessage(), e);
        }
    }
}
