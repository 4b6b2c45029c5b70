package org.plscj.serve;

import java.io.IOException;
import java.io.InputStream;

/**
 * Reads a request body of at most {@code max} bytes, counting while reading: a declared
 * Content-Length over the limit is refused before any byte is read, and a chunked body (no length)
 * is refused (413) as soon as it passes the limit, so no request holds more than max + 1 bytes.
 */
final class RequestBody {
    private RequestBody() {}

    static byte[] read(InputStream in, long declaredLength, long max) throws IOException {
        if (declaredLength > max) {
            throw tooLarge(max, declaredLength + " bytes declared");
        }
        byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
        if (body.length > max) {
            throw tooLarge(max, "more sent");
        }
        return body;
    }

    private static BadRequest tooLarge(long max, String what) {
        return new BadRequest(413, "the request body exceeds " + max + " bytes (" + what + ")");
    }
}
