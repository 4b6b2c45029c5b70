package org.plscj.data;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/**
 * One record of a PLSC base64 data file: the line {@code <base64 of the encoded image>\t<label>}.
 * The image stays encoded (JPEG, PNG, ...): decoding pixels is the reader's consumer's business.
 *
 * @param file  the data file the record came from, as shown in messages
 * @param line  1-based line number in that file
 * @param image the encoded image bytes
 * @param label the class id, 0 ≤ label (&lt; num_classes when known)
 */
public record PlscRecord(String file, long line, byte[] image, int label) {

    /**
     * Parses one line. {@code numClasses ≤ 0} means the class count is unknown, so only negative
     * labels are out of range.
     *
     * @throws PlscFormatException naming the file and line when the line is not a valid record
     */
    public static PlscRecord parse(String text, String file, long line, int numClasses) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return parse(bytes, 0, bytes.length, file, line, numClasses);
    }

    /** {@link #parse(String, String, long, int)} of the line {@code buf[start, end)} (its bytes, no newline). */
    static PlscRecord parse(byte[] buf, int start, int end, String file, long line, int numClasses) {
        int tab = tab(buf, start, end, file, line);
        byte[] image = decodeImage(buf, start, tab, file, line);
        return new PlscRecord(file, line, image, label(buf, tab, end, file, line, numClasses));
    }

    /** The position of the tab ending the base64 image of the line {@code buf[start, end)}. */
    static int tab(byte[] buf, int start, int end, String file, long line) {
        for (int i = start; i < end; i++) {
            if (buf[i] == '\t') {
                return i;
            }
        }
        throw new PlscFormatException(file, line, BadReason.NO_TAB, "");
    }

    /** The image bytes of the base64 text {@code buf[start, end)}. */
    static byte[] decodeImage(byte[] buf, int start, int end, String file, long line) {
        try {
            return Base64.getDecoder().decode(Arrays.copyOfRange(buf, start, end));
        } catch (IllegalArgumentException e) {
            throw new PlscFormatException(file, line, BadReason.BAD_BASE64, e.getMessage());
        }
    }

    /** The label of the line whose tab is at {@code buf[tab]} and which ends before {@code end}. */
    static int label(byte[] buf, int tab, int end, String file, long line, int numClasses) {
        // PLSC's reader applies Python's int(), which tolerates surrounding whitespace (e.g. a CRLF's \r).
        String labelText = new String(buf, tab + 1, end - tab - 1, StandardCharsets.UTF_8).strip();
        int label;
        try {
            label = Integer.parseInt(labelText);
        } catch (NumberFormatException e) {
            throw new PlscFormatException(file, line, BadReason.BAD_LABEL, "'" + abbreviate(labelText) + "'");
        }
        if (label < 0) {
            throw new PlscFormatException(file, line, BadReason.NEGATIVE_LABEL, Integer.toString(label));
        }
        if (numClasses > 0 && label >= numClasses) {
            throw new PlscFormatException(file, line, BadReason.LABEL_OUT_OF_RANGE, label + " ≥ " + numClasses);
        }
        return label;
    }

    /** The record as a data-file line (without the newline), in PLSC's format. */
    public static String format(byte[] image, int label) {
        return Base64.getEncoder().encodeToString(image) + '\t' + label;
    }

    private static String abbreviate(String s) {
        return s.length() <= 20 ? s : s.substring(0, 20) + "…";
    }
}
