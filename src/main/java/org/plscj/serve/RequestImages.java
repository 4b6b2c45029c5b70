package org.plscj.serve;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.regex.Pattern;
import org.plscj.data.ImageDecoder;

/**
 * Reads base64 images out of a JSON request into normalised [3, 112, 112] floats (resized when the
 * image is another size), with errors that name the field and the index.
 *
 * <p>Memory: an image's declared width × height is checked against the pixel limit before it is
 * decoded, and at most {@code decodeSlots} images are decoded at once, so decoding holds at most
 * decodeSlots × maxPixels × 8 bytes (16-bit RGBA PNG rasters) whatever the number of clients.
 */
final class RequestImages {
    private static final Pattern WHITESPACE = Pattern.compile("\\s+");
    private final ImageDecoder decoder = new ImageDecoder(ImageDecoder.PLSC_SIZE, ImageDecoder.PLSC_SIZE, true);
    private final int maxImages;
    private final long maxPixels;
    private final Semaphore decodeSlots;

    RequestImages(int maxImages, long maxPixels, int decodeSlots) {
        this.maxImages = maxImages;
        this.maxPixels = maxPixels;
        this.decodeSlots = new Semaphore(decodeSlots, true);
    }

    /** The images of array field {@code field}: at least one, at most the limit (413 beyond it). */
    List<float[]> array(JsonNode body, String field) {
        JsonNode list = body.get(field);
        if (list == null || !list.isArray()) {
            throw new BadRequest("field '" + field + "' must be an array of base64 strings");
        }
        if (list.isEmpty()) {
            throw new BadRequest("field '" + field + "' is empty: send at least one image");
        }
        if (list.size() > maxImages) {
            throw new BadRequest(413, "field '" + field + "' has " + list.size() + " images; at most " + maxImages + " per request");
        }
        List<float[]> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            out.add(decode(list.get(i), field + "[" + i + "]"));
        }
        return out;
    }

    /** The image of string field {@code field}. */
    float[] single(JsonNode body, String field) {
        return decode(body.get(field), field);
    }

    private float[] decode(JsonNode value, String where) {
        if (value == null || !value.isTextual()) {
            throw new BadRequest(where + " must be a base64 string");
        }
        byte[] bytes;
        try {
            // why strict after dropping whitespace: the MIME decoder skips any foreign character, so "@@" would pass as no bytes
            bytes = Base64.getDecoder().decode(WHITESPACE.matcher(stripDataUrl(value.textValue())).replaceAll(""));
        } catch (IllegalArgumentException e) {
            throw new BadRequest(where + " is not valid base64: " + e.getMessage());
        }
        // why decode on when the header is unreadable: the decoder asks the same ImageIO readers, so it refuses those bytes too, with the reason
        ImageHeader header = ImageHeader.read(bytes);
        if (header != null && header.pixels() > maxPixels) {
            throw new BadRequest(413, where + " declares " + header.width() + "x" + header.height() + " pixels (width x height); at most "
                    + maxPixels + " pixels per image");
        }
        try {
            decodeSlots.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BadRequest(503, "the server is shutting down");
        }
        try {
            return decoder.decode(bytes, where, false);
        } catch (IllegalArgumentException | IllegalStateException | IndexOutOfBoundsException e) {
            // PlscFormatException is an IllegalArgumentException; the other kinds: ImageIO readers throw them on some corrupt files
            String reason = String.valueOf(e.getMessage());
            throw new BadRequest(where + " is not a decodable image: " + (reason.startsWith(where + ": ") ? reason.substring(where.length() + 2) : reason));
        } finally {
            decodeSlots.release();
        }
    }

    /** Accepts {@code data:image/jpeg;base64,...} as browsers write it. */
    private static String stripDataUrl(String s) {
        int comma = s.indexOf(',');
        return s.startsWith("data:") && comma > 0 ? s.substring(comma + 1) : s;
    }
}
