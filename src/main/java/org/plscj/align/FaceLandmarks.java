package org.plscj.align;

/**
 * One line of a landmark file as insightface releases them for IJB-B/C ({@code <t>_name_5pts_score.txt}):
 * {@code name x1 y1 x2 y2 x3 y3 x4 y4 x5 y5 [score]}, space separated, the points in image pixels (left eye, right
 * eye, nose tip, left and right mouth corner), the score the detector's faceness.
 *
 * @param points the 10 coordinates
 * @param score the faceness score, NaN when the line has none
 */
public record FaceLandmarks(String name, double[] points, double score) {
    /** Fields of a line without / with the score. */
    public static final int FIELDS = 11;

    /**
     * Parses one line.
     *
     * @param where names the line in errors, e.g. {@code "meta/ijbc_name_5pts_score.txt line 17"}
     * @param scoreRequired whether a line without the score is an error
     * @throws IllegalArgumentException naming {@code where}, the field and what was expected
     */
    public static FaceLandmarks parse(String line, String where, boolean scoreRequired) {
        String[] f = line.strip().split("\\s+");
        if (f.length != FIELDS + 1 && (scoreRequired || f.length != FIELDS)) {
            throw new IllegalArgumentException(where + ": expected " + (scoreRequired ? "12" : "11 or 12")
                    + " space-separated fields (name x1 y1 ... x5 y5" + (scoreRequired ? " score" : " [score]") + "), got "
                    + (line.isBlank() ? 0 : f.length));
        }
        double[] points = new double[FIELDS - 1];
        for (int i = 0; i < points.length; i++) {
            points[i] = number(f[i + 1], where, (i % 2 == 0 ? "x" : "y") + (i / 2 + 1));
        }
        double score = f.length > FIELDS ? number(f[FIELDS], where, "score") : Double.NaN;
        return new FaceLandmarks(f[0], points, score);
    }

    private static double number(String field, String where, String name) {
        // why: files written from Python spell these nan and inf; they must reach the finiteness check, which names them
        switch (field.toLowerCase(java.util.Locale.ROOT)) {
            case "nan", "-nan" -> {
                return Double.NaN;
            }
            case "inf", "+inf", "infinity" -> {
                return Double.POSITIVE_INFINITY;
            }
            case "-inf", "-infinity" -> {
                return Double.NEGATIVE_INFINITY;
            }
            default -> { }
        }
        try {
            return Double.parseDouble(field);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(where + ": " + name + " is '" + field + "', expected a number");
        }
    }

    /** The transform onto the ArcFace template; degenerate points fail naming {@code where}. */
    public SimilarityTransform toTemplate(String where) {
        try {
            return FaceAligner.toTemplate(points);
        } catch (DegenerateLandmarksException e) {
            throw new DegenerateLandmarksException(where + ": " + e.getMessage());
        }
    }
}
