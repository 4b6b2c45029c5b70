package org.plscj.serve;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.plscj.data.ImageDecoder;

/**
 * {@code plsc gallery re-enrol}: builds a new persisted gallery for a model from a folder of images per identity
 * ({@code ROOT/<id>/*.jpg}), as {@code POST /v1/gallery} would enrol them, bound to that model ({@link GalleryBinding}).
 *
 * <p>Why from folders: a gallery stores templates only, never the images (less biometric data kept, and templates
 * are enough to serve). Templates cannot be converted from one model to another, so moving a gallery to a new model
 * means embedding the identities' images again, from wherever the operator keeps them.
 *
 * <p>Memory: one batch of decoded images and the embeddings of one identity's images (dim floats each).
 */
public final class GalleryReEnrolment {
    private static final int BATCH = 32;

    /** What a re-enrolment did. */
    public record Result(int identities, long images) {}

    private GalleryReEnrolment() {}

    /**
     * Enrols every sub-folder of {@code imagesRoot} (its name is the id; hidden entries skipped) into a new gallery in
     * {@code galleryDir}, which must not exist or be empty.
     *
     * @throws IllegalArgumentException naming the folder or file at fault (an invalid id, an identity without images, an
     *                                  undecodable image, more identities than {@code maxGallery})
     */
    public static Result run(EmbeddingEngine engine, ServedModel model, Path imagesRoot, Path galleryDir, int maxGallery) throws IOException {
        List<Path> identities = entries(imagesRoot).stream().filter(Files::isDirectory).toList();
        if (identities.isEmpty()) {
            throw new IllegalArgumentException(imagesRoot + " holds no identity folder (expected ROOT/<id>/<images>)");
        }
        if (identities.size() > maxGallery) {
            throw new IllegalArgumentException(imagesRoot + " holds " + identities.size() + " identities, more than --max-gallery " + maxGallery);
        }
        for (Path dir : identities) {
            String id = dir.getFileName().toString();
            if (!Gallery.ID.matcher(id).matches()) {
                throw new IllegalArgumentException("identity folder " + dir + ": an id must be 1-128 characters, letters, digits and . _ @ -"
                        + " (not first)");
            }
        }
        if (Files.exists(galleryDir) && !entries(galleryDir).isEmpty()) {
            throw new IllegalArgumentException(galleryDir + " is not empty: re-enrolment builds a new gallery (then serve it with"
                    + " --gallery-dir " + galleryDir + ", and delete the old one: its templates are biometric data)");
        }
        Files.createDirectories(galleryDir);
        GalleryBinding.bind(galleryDir, model, engine.embDim(), null);
        ImageDecoder decoder = new ImageDecoder(ImageDecoder.PLSC_SIZE, ImageDecoder.PLSC_SIZE, true);
        long images = 0;
        try (Gallery gallery = Gallery.open(galleryDir, engine.embDim(), maxGallery, Gallery.SNAPSHOT_EVERY)) {
            for (Path dir : identities) {
                float[][] embeddings = embed(engine, decoder, dir);
                gallery.enrol(dir.getFileName().toString(), embeddings);
                images += embeddings.length;
            }
        }
        return new Result(identities.size(), images);
    }

    /** The embeddings of the images in {@code dir}, in batches of {@value #BATCH}. */
    private static float[][] embed(EmbeddingEngine engine, ImageDecoder decoder, Path dir) throws IOException {
        List<Path> files = entries(dir).stream().filter(Files::isRegularFile).toList();
        if (files.isEmpty()) {
            throw new IllegalArgumentException("identity folder " + dir + " holds no image");
        }
        List<float[]> out = new ArrayList<>(files.size());
        float[] packed = new float[BATCH * decoder.sampleSize()];
        for (int start = 0; start < files.size(); start += BATCH) {
            int n = Math.min(BATCH, files.size() - start);
            for (int i = 0; i < n; i++) {
                Path file = files.get(start + i);
                decoder.decodeInto(Files.readAllBytes(file), file.toString(), false, packed, i * decoder.sampleSize());
            }
            out.addAll(List.of(engine.embed(packed, n)));
        }
        return out.toArray(new float[0][]);
    }

    /** The entries of {@code dir} not starting with '.', sorted by name. */
    private static List<Path> entries(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(dir + " is not a folder");
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
        }
    }
}
