package org.plscj.align;

import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import org.plscj.io.AtomicFile;
import org.plscj.progress.Progress;

/**
 * {@code plsc data align}: every image of a landmark file ({@code name x1 y1 … x5 y5 [score]}, names relative to
 * the image directory) aligned onto the 112×112 ArcFace template ({@link FaceAligner}) and written under the output
 * directory with the same relative name, so {@code person/1.jpg} lands in {@code out/person/1.jpg} and the result is a
 * folder tree {@code plsc data convert --from-folders} reads. PNG names stay lossless; others are written as JPEG at
 * quality {@value #JPEG_QUALITY}. Each file is written atomically.
 *
 * <p>Bad lines (field count, a coordinate that is no number, degenerate landmarks), absent or undecodable images and
 * names leaving the image directory fail naming the landmark file and line; with skip-bad they are counted and listed.
 * Memory: one image at a time.
 */
public final class AlignImages {
    static final float JPEG_QUALITY = 0.95f;

    private AlignImages() {}

    /**
     * What was done.
     *
     * @param skipped one message per skipped line (file, line, reason)
     */
    public record Summary(int aligned, List<String> skipped) {}

    public static Summary run(Path landmarks, Path images, Path out, boolean skipBad) throws IOException {
        return run(landmarks, images, out, skipBad, Progress.quiet());
    }

    /** As above, reporting the bytes of the landmark file done to {@code progress}. */
    public static Summary run(Path landmarks, Path images, Path out, boolean skipBad, Progress progress) throws IOException {
        if (!Files.isRegularFile(landmarks)) {
            throw new IllegalArgumentException("landmark file " + landmarks + " does not exist");
        }
        if (!Files.isDirectory(images)) {
            throw new IllegalArgumentException("image directory " + images + " does not exist");
        }
        int aligned = 0;
        List<String> skipped = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(landmarks, StandardCharsets.UTF_8);
                Progress.Task task = progress.start("align", Files.size(landmarks), Progress.Unit.BYTES)) {
            long lineNo = 0;
            for (String line; (line = r.readLine()) != null; ) {
                lineNo++;
                // why before the work: a skipped or blank line is done too; the line break counts as one byte
                task.advance(line.getBytes(StandardCharsets.UTF_8).length + 1);
                if (line.isBlank()) {
                    continue;
                }
                try {
                    alignOne(line, landmarks + " line " + lineNo, images, out);
                    aligned++;
                } catch (IllegalArgumentException e) {
                    if (!skipBad) {
                        throw e;
                    }
                    skipped.add(e.getMessage());
                }
            }
        }
        return new Summary(aligned, skipped);
    }

    private static void alignOne(String line, String where, Path images, Path out) throws IOException {
        FaceLandmarks face = FaceLandmarks.parse(line, where, false);
        SimilarityTransform toTemplate = face.toTemplate(where);
        Path source = inside(images, face.name(), where);
        Path target = inside(out, face.name(), where);
        BufferedImage image;
        if (!Files.isRegularFile(source)) {
            throw new IllegalArgumentException(where + ": image " + source + " is absent");
        }
        try {
            image = ImageIO.read(source.toFile());
        } catch (IOException | RuntimeException e) {
            image = null;
        }
        if (image == null) {
            throw new IllegalArgumentException(where + ": image " + source + " does not decode");
        }
        BufferedImage aligned = FaceAligner.alignedImage(image, toTemplate);
        Files.createDirectories(target.getParent());
        boolean png = face.name().toLowerCase(Locale.ROOT).endsWith(".png");
        AtomicFile.write(target, stream -> write(aligned, png, stream));
    }

    // why: a name like ../../x would read or write outside the directories the user gave
    private static Path inside(Path dir, String name, String where) {
        Path p = dir.resolve(name).normalize();
        if (!p.startsWith(dir.normalize()) || p.equals(dir.normalize())) {
            throw new IllegalArgumentException(where + ": image name '" + name + "' leaves the directory " + dir);
        }
        return p;
    }

    private static void write(BufferedImage image, boolean png, OutputStream stream) throws IOException {
        if (png) {
            ImageIO.write(image, "png", stream);
            return;
        }
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        try (ImageOutputStream ios = ImageIO.createImageOutputStream(stream)) {
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(JPEG_QUALITY);
            writer.setOutput(ios);
            writer.write(null, new IIOImage(image, null, null), param);
        } finally {
            writer.dispose();
        }
    }
}
