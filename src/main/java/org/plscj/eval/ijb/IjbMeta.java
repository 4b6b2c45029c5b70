package org.plscj.eval.ijb;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.plscj.align.FaceAligner;
import org.plscj.align.FaceLandmarks;
import org.plscj.align.SimilarityTransform;

/**
 * insightface's released IJB-B/IJB-C layout, read as {@code eval_ijbc.py} reads it (space-separated lines):
 * <pre>
 *   DIR/meta/&lt;t&gt;_face_tid_mid.txt          image_name template_id media_id            one line per image
 *   DIR/meta/&lt;t&gt;_name_5pts_score.txt       image_name x1 y1 … x5 y5 faceness          the same images, same order
 *   DIR/meta/&lt;t&gt;_template_pair_label.txt   template_id template_id label(1 same, 0 not)  one line per pair
 *   DIR/loose_crop/&lt;image_name&gt;
 * </pre>
 * with {@code <t>} the target in lower case ({@code ijbc}, {@code ijbb}). Landmarks and faceness are read as
 * float32, as the script does. Every bad line is an error naming file and line; with {@code skipBad} a bad image
 * line is instead counted as a skipped image ({@link #problem}) and a bad pair line as an unscored pair. A pair
 * naming a template the image file does not have is an error (the script would score it against template 0).
 *
 * <p>Memory per image: its name, 2 ids, 10 landmark floats and the score; per pair 2 ids and a label (9 bytes).
 */
public final class IjbMeta {
    /** The template id of an image whose face_tid_mid line is malformed (skip-bad). */
    public static final int NO_TEMPLATE = Integer.MIN_VALUE;
    private final Path dir;
    private final String target;
    private final List<String> names = new ArrayList<>();
    private int[] templates;
    private int[] medias;
    private float[] landmarks;
    private float[] faceness;
    private String[] problems;
    private int skipped;
    private int[] first;
    private int[] second;
    private boolean[] positive;
    private boolean[] malformedPair;

    private IjbMeta(Path dir, String target) {
        this.dir = dir;
        this.target = target;
    }

    /**
     * Reads the meta files of {@code target} ({@code IJBC} or {@code IJBB}) under {@code dir}.
     *
     * @throws IllegalArgumentException naming the missing file, or the file and line of a bad line
     */
    public static IjbMeta read(Path dir, String target, boolean skipBad) throws IOException {
        String t = target.toUpperCase(Locale.ROOT);
        if (!t.equals("IJBC") && !t.equals("IJBB")) {
            throw new IllegalArgumentException("--target must be IJBC or IJBB, got '" + target + "'");
        }
        IjbMeta meta = new IjbMeta(dir, t);
        meta.readImages(meta.file("face_tid_mid"), meta.file("name_5pts_score"), skipBad);
        meta.readPairs(meta.file("template_pair_label"), skipBad);
        return meta;
    }

    private Path file(String kind) {
        Path f = dir.resolve("meta").resolve(target.toLowerCase(Locale.ROOT) + "_" + kind + ".txt");
        if (!Files.isRegularFile(f)) {
            throw new IllegalArgumentException(dir + " is not an " + target + " directory as insightface releases it: " + f
                    + " is missing (expected meta/" + target.toLowerCase(Locale.ROOT) + "_{face_tid_mid,name_5pts_score,"
                    + "template_pair_label}.txt and loose_crop/)");
        }
        return f;
    }

    private void readImages(Path tidMid, Path points, boolean skipBad) throws IOException {
        int n = lines(tidMid);
        int m = lines(points);
        if (n != m) {
            throw new IllegalArgumentException(points + " has " + m + " lines but " + tidMid + " has " + n
                    + ": both list the same images in the same order");
        }
        templates = new int[n];
        medias = new int[n];
        landmarks = new float[10 * n];
        faceness = new float[n];
        problems = new String[n];
        try (BufferedReader a = Files.newBufferedReader(tidMid, StandardCharsets.UTF_8);
                BufferedReader b = Files.newBufferedReader(points, StandardCharsets.UTF_8)) {
            for (int i = 0; i < n; i++) {
                String error = readImage(i, a.readLine(), tidMid, b.readLine(), points);
                if (error != null) {
                    if (!skipBad) {
                        throw new IllegalArgumentException(error);
                    }
                    problems[i] = error;
                    skipped++;
                }
            }
        }
    }

    // Fills image i; returns what is wrong with its lines (naming file and line), or null
    private String readImage(int i, String tidMidLine, Path tidMid, String pointsLine, Path points) {
        String where = tidMid + " line " + (i + 1);
        String[] f = tidMidLine.strip().split("\\s+");
        // why: an image whose own line is bad belongs to no template (none of the pairs' ids is this)
        templates[i] = NO_TEMPLATE;
        medias[i] = NO_TEMPLATE;
        if (f.length != 3) {
            names.add(f[0]);
            return where + ": expected 3 space-separated fields (image_name template_id media_id), got "
                    + (tidMidLine.isBlank() ? 0 : f.length);
        }
        names.add(f[0]);
        try {
            int template = Integer.parseInt(f[1]);
            medias[i] = Integer.parseInt(f[2]);
            templates[i] = template;
        } catch (NumberFormatException e) {
            return where + ": template and media ids must be integers, got '" + f[1] + "' and '" + f[2] + "'";
        }
        String pointsWhere = points + " line " + (i + 1);
        try {
            FaceLandmarks lm = FaceLandmarks.parse(pointsLine, pointsWhere, true);
            if (!lm.name().equals(f[0])) {
                return pointsWhere + " is image " + lm.name() + " but " + where + " is " + f[0]
                        + ": the two files must list the same images in the same order";
            }
            for (int k = 0; k < 10; k++) {
                landmarks[10 * i + k] = (float) lm.points()[k];
            }
            faceness[i] = (float) lm.score();
            lm.toTemplate(pointsWhere);
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        return null;
    }

    private void readPairs(Path file, boolean skipBad) throws IOException {
        int n = lines(file);
        first = new int[n];
        second = new int[n];
        positive = new boolean[n];
        malformedPair = new boolean[n];
        int[] known = Arrays.stream(templates).filter(t -> t != NO_TEMPLATE).distinct().sorted().toArray();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (int p = 0; p < n; p++) {
                String error = readPair(p, r.readLine(), file + " line " + (p + 1), known);
                if (error != null) {
                    if (!skipBad) {
                        throw new IllegalArgumentException(error);
                    }
                    malformedPair[p] = true;
                }
            }
        }
    }

    private String readPair(int p, String line, String where, int[] known) {
        String[] f = line.strip().split("\\s+");
        if (f.length != 3) {
            return where + ": expected 3 space-separated fields (template_id template_id label), got " + (line.isBlank() ? 0 : f.length);
        }
        try {
            first[p] = Integer.parseInt(f[0]);
            second[p] = Integer.parseInt(f[1]);
        } catch (NumberFormatException e) {
            return where + ": template ids must be integers, got '" + f[0] + "' and '" + f[1] + "'";
        }
        if (!f[2].equals("0") && !f[2].equals("1")) {
            return where + ": the label must be 1 (same subject) or 0, got '" + f[2] + "'";
        }
        positive[p] = f[2].equals("1");
        for (int t : new int[] {first[p], second[p]}) {
            if (t == NO_TEMPLATE || Arrays.binarySearch(known, t) < 0) {
                return where + ": template " + t + " has no image in the face_tid_mid file";
            }
        }
        return null;
    }

    private static int lines(Path file) throws IOException {
        try (var s = Files.lines(file, StandardCharsets.UTF_8)) {
            long n = s.count();
            if (n == 0) {
                throw new IllegalArgumentException(file + " is empty");
            }
            return Math.toIntExact(n);
        }
    }

    public Path dir() {
        return dir;
    }

    /** {@code IJBC} or {@code IJBB}. */
    public String target() {
        return target;
    }

    public int images() {
        return templates.length;
    }

    public String name(int image) {
        return names.get(image);
    }

    /** {@code DIR/loose_crop/<name>}. */
    public Path imageFile(int image) {
        return dir.resolve("loose_crop").resolve(names.get(image));
    }

    /** Where image {@code image}'s landmarks come from, for messages. */
    public String landmarkLine(int image) {
        return "meta/" + target.toLowerCase(Locale.ROOT) + "_name_5pts_score.txt line " + (image + 1);
    }

    /** The 10 landmark coordinates of an image, widened from float32. */
    public double[] landmarks(int image) {
        double[] p = new double[10];
        for (int k = 0; k < 10; k++) {
            p[k] = landmarks[10 * image + k];
        }
        return p;
    }

    /** The transform of an image's landmarks onto the ArcFace template (checked when read). */
    public SimilarityTransform transform(int image) {
        return FaceAligner.toTemplate(landmarks(image));
    }

    /** What is wrong with an image's meta lines under skip-bad, or null. */
    public String problem(int image) {
        return problems[image];
    }

    /** Images skipped for bad meta lines. */
    public int skipped() {
        return skipped;
    }

    public int[] templates() {
        return templates;
    }

    public int[] medias() {
        return medias;
    }

    public float[] faceness() {
        return faceness;
    }

    public int pairs() {
        return first.length;
    }

    public int[] first() {
        return first;
    }

    public int[] second() {
        return second;
    }

    public boolean[] positive() {
        return positive;
    }

    /** Whether pair line {@code p} was malformed (skip-bad): it stays unscored. */
    public boolean malformedPair(int p) {
        return malformedPair[p];
    }
}
