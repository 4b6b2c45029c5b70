package org.plscj.data;

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
        int tab = text.indexOf('\t');
        if (tab < 0) {
            throw new PlscFormatException(file, line, BadReason.NO_TAB, "");
        }
        byte[] image;
        try {
            image = Base64.getDecoder().decode(text.substring(0, tab));
        } catch (IllegalArgumentException e) {
            throw new PlscFormatException(file, line, BadReason.BAD_BASE64, e.getMessage());
        }
        // PLSC's reader applies Python's int(), which tolerates surrounding whitespace (e.g. a CRLF's \r).
        String labelText = text.substring(tab + 1).strip();
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
        return new PlscRecord(file, line, image, label);
    }

    /** The record as a data-file line (without the newline), in PLSC's format. */
    public static String format(byte[] image, int label) {
        return Base64.getEncoder().encodeToString(image) + '\t' + label;
    }

    private static String abbreviate(String s) {
        return s.length() <= 20 ? s : s.substring(0, 20) + "…";
    }
}
