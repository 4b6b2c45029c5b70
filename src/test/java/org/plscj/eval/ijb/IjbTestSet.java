package org.plscj.eval.ijb;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.plscj.align.SimilarityTransform;
import org.plscj.data.IdentityGenerator;
import org.plscj.testing.LooseCrops;

/**
 * A small generated IJB-C directory in insightface's layout: {@value #IDENTITIES} identities of the
 * {@link IdentityGenerator}, {@value #TEMPLATES_PER_IDENTITY} templates each of 2 media of 1–3 images; every image a
 * view of its identity placed into a 150×150 loose crop by a random similarity (rotation ±20°, scale 0.9–1.2), its
 * landmarks the template's points moved by that similarity plus ±1 px of detector noise; faceness 0.5–1. The pairs
 * are all template pairs. Template ids start at 101 and step by 3, so they are neither contiguous nor image indices.
 */
public final class IjbTestSet {
    public static final int IDENTITIES = 8;
    public static final int TEMPLATES_PER_IDENTITY = 4;
    public static final int TEMPLATES = IDENTITIES * TEMPLATES_PER_IDENTITY;
    public static final int PAIRS = TEMPLATES * (TEMPLATES - 1) / 2;
    static final int CROP = 150;

    private IjbTestSet() {}

    /** Writes the set under {@code dir}; returns its image count. */
    public static int write(Path dir) throws IOException {
        Path meta = Files.createDirectories(dir.resolve("meta"));
        Path crops = Files.createDirectories(dir.resolve("loose_crop"));
        IdentityGenerator faces = new IdentityGenerator(17);
        SplittableRandom random = new SplittableRandom(17);
        int images = 0;
        try (Writer tidMid = Files.newBufferedWriter(meta.resolve("ijbc_face_tid_mid.txt"), StandardCharsets.UTF_8);
                Writer points = Files.newBufferedWriter(meta.resolve("ijbc_name_5pts_score.txt"), StandardCharsets.UTF_8)) {
            for (int t = 0; t < TEMPLATES; t++) {
                int identity = t % IDENTITIES;
                for (int media = 0; media < 2; media++) {
                    int mediaId = 1000 + 2 * t + media;
                    for (int k = 1 + random.nextInt(3); k > 0; k--) {
                        String name = ++images + ".png";
                        double angle = random.nextDouble(-0.35, 0.35);
                        double scale = random.nextDouble(0.9, 1.2);
                        SimilarityTransform placed = new SimilarityTransform(scale * Math.cos(angle), scale * Math.sin(angle),
                                random.nextDouble(5, 25), random.nextDouble(5, 25));
                        BufferedImage crop = LooseCrops.place(faces.render(identity, images), placed, CROP, CROP);
                        ImageIO.write(crop, "png", crops.resolve(name).toFile());
                        tidMid.write(name + " " + templateId(t) + " " + mediaId + "\n");
                        StringBuilder line = new StringBuilder(name);
                        for (double p : LooseCrops.landmarks(placed)) {
                            line.append(String.format(Locale.ROOT, " %.3f", p + random.nextDouble(-1, 1)));
                        }
                        points.write(line + String.format(Locale.ROOT, " %.6f%n", random.nextDouble(0.5, 1.0)));
                    }
                }
            }
        }
        try (Writer pairs = Files.newBufferedWriter(meta.resolve("ijbc_template_pair_label.txt"), StandardCharsets.UTF_8)) {
            for (int a = 0; a < TEMPLATES; a++) {
                for (int b = a + 1; b < TEMPLATES; b++) {
                    pairs.write(templateId(a) + " " + templateId(b) + " " + (a % IDENTITIES == b % IDENTITIES ? 1 : 0) + "\n");
                }
            }
        }
        return images;
    }

    /** A copy of a set (to break one of its files). */
    public static void copy(Path from, Path to) throws IOException {
        try (var files = Files.walk(from)) {
            for (Path f : files.toList()) {
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target);
                }
            }
        }
    }

    public static int templateId(int t) {
        return 101 + 3 * t;
    }
}
