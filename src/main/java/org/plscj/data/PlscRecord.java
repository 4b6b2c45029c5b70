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

    /**
     * The position of the tab of the line {@code buf[start, end)}, its base64 image checked on the way (one pass
     * over the bytes instead of a tab search and a check): errors as {@link #tab} then {@link #checkBase64} give.
     */
    static int checkedTab(byte[] buf, int start, int end, String file, long line) {
        int i = start;
        byte[] outside = NOT_ALPHABET;
        while (i < end && outside[buf[i] & 0xff] == 0) {
            i++;
        }
        if (i < end && buf[i] == '\t' && (i - start) % 4 != 1) {
            return i; // all alphabet, no padding, not a dangling last character: valid
        }
        int tab = tab(buf, i, end, file, line);
        checkBase64(buf, start, tab, file, line);
        return tab;
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

    /**
     * Checks that {@code buf[start, end)} is base64 that {@link Base64#getDecoder()} accepts, without decoding
     * it (no allocation: the shuffle and the index check every line): the decoder's rules, message for message.
     */
    static void checkBase64(byte[] buf, int start, int end, String file, long line) {
        String error = base64Error(buf, start, end);
        if (error != null) {
            throw new PlscFormatException(file, line, BadReason.BAD_BASE64, error);
        }
    }

    // the basic alphabet's values; -2 marks the padding '=', -1 anything else
    private static final int[] BASE64_VALUES = new int[256];
    // 1 for a byte outside the alphabet (padding included), 0 inside
    private static final byte[] NOT_ALPHABET = new byte[256];

    static {
        Arrays.fill(BASE64_VALUES, -1);
        Arrays.fill(NOT_ALPHABET, (byte) 1);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (int i = 0; i < alphabet.length(); i++) {
            BASE64_VALUES[alphabet.charAt(i)] = i;
            NOT_ALPHABET[alphabet.charAt(i)] = 0;
        }
        BASE64_VALUES['='] = -2;
    }

    /** Mirrors java.util.Base64.Decoder's decode0 (non-MIME): null when it would decode, else its message. */
    static String base64Error(byte[] src, int start, int end) {
        int len = end - start;
        if (len == 0) {
            return null;
        }
        if (len < 2) {
            return "Input byte[] should at least have 2 bytes for base64 bytes";
        }
        int sp = start;
        int shiftto = 18;
        while (sp < end) {
            int b = BASE64_VALUES[src[sp++] & 0xff];
            if (b < 0) {
                if (b == -2) {
                    if (shiftto == 6 && (sp == end || src[sp++] != '=') || shiftto == 18) {
                        return "Input byte array has wrong 4-byte ending unit";
                    }
                    break;
                }
                return "Illegal base64 character " + Integer.toString(src[sp - 1], 16);
            }
            shiftto -= 6;
            if (shiftto < 0) {
                shiftto = 18;
            }
        }
        if (shiftto == 12) {
            return "Last unit does not have enough valid bits";
        }
        if (sp < end) {
            return "Input byte array has incorrect ending byte at " + (sp - start);
        }
        return null;
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
