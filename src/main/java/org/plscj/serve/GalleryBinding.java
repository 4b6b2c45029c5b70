package org.plscj.serve;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.plscj.io.AtomicFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ties a persisted gallery to the model that made its templates: {@code gallery.json} in the gallery directory records
 * that model's fingerprint (the SHA-256 of its weights). Templates of one model compared with another model's
 * embeddings give wrong matches without any error, so a server whose model has another fingerprint refuses the
 * gallery, naming both, unless told to accept templates of exactly that fingerprint ({@code --accept-gallery-from});
 * an accepted gallery is then bound to the new model, and the file keeps the fingerprints it was accepted from.
 *
 * <p>A gallery directory with templates but no {@code gallery.json} was made before galleries recorded their model:
 * its fingerprint is {@value #UNRECORDED}, accepted only as {@code --accept-gallery-from unrecorded}.
 */
final class GalleryBinding {
    private static final Logger LOG = LoggerFactory.getLogger(GalleryBinding.class);
    static final String FILE = "gallery.json";
    static final String UNRECORDED = "unrecorded";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** {@code gallery.json}: the model whose embeddings the templates are, and the fingerprints accepted before it. */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    record Record(@JsonProperty("format") int format, @JsonProperty("model_fingerprint") String fingerprint,
            @JsonProperty("model_name") String modelName, @JsonProperty("emb_dim") int embDim,
            @JsonProperty("accepted_from") List<String> acceptedFrom) {}

    private GalleryBinding() {}

    /**
     * Checks (or, for a new gallery, records) that the gallery in {@code dir} holds templates of {@code model}.
     *
     * @param acceptFrom a fingerprint whose templates the caller accepts for {@code model}, or null
     * @throws IllegalArgumentException naming the directory and both fingerprints when the gallery belongs to another
     *                                  model, with the two ways on
     */
    static void bind(Path dir, ServedModel model, int embDim, String acceptFrom) throws IOException {
        Path file = dir.resolve(FILE);
        Record recorded;
        if (Files.exists(file)) {
            try {
                recorded = JSON.readValue(file.toFile(), Record.class);
            } catch (IOException e) {
                throw new IllegalArgumentException(file + " is not a readable gallery record: " + e.getMessage(), e);
            }
        } else if (holdsTemplates(dir)) {
            recorded = new Record(1, UNRECORDED, null, embDim, List.of());
        } else {
            write(file, new Record(1, model.fingerprint(), model.name(), embDim, List.of()));
            return;
        }
        if (Objects.equals(recorded.fingerprint(), model.fingerprint())) {
            return;
        }
        if (acceptFrom == null || !acceptFrom.equals(recorded.fingerprint())) {
            throw new IllegalArgumentException("the gallery in " + dir + " holds templates made by model " + recorded.fingerprint()
                    + (recorded.modelName() == null ? "" : " (" + recorded.modelName() + ")") + ", but this server runs model "
                    + model.fingerprint() + " (" + model.name() + "): another model's templates give wrong matches."
                    + (acceptFrom == null ? "" : " --accept-gallery-from " + acceptFrom + " names neither.")
                    + " Re-enrol the identities with this model (plsc gallery re-enrol --model BUNDLE --images DIR --gallery-dir NEW_DIR),"
                    + " or accept the old templates knowingly with --accept-gallery-from " + recorded.fingerprint());
        }
        List<String> accepted = new ArrayList<>(recorded.acceptedFrom() == null ? List.of() : recorded.acceptedFrom());
        accepted.add(recorded.fingerprint());
        write(file, new Record(1, model.fingerprint(), model.name(), embDim, accepted));
        LOG.warn("gallery {}: templates made by model {} accepted for model {} (--accept-gallery-from); the gallery is now bound to it",
                dir, recorded.fingerprint(), model.fingerprint());
    }

    private static boolean holdsTemplates(Path dir) throws IOException {
        Path log = dir.resolve(GalleryStore.LOG_FILE);
        return Files.exists(dir.resolve(GalleryStore.SNAPSHOT)) || (Files.exists(log) && Files.size(log) > 0);
    }

    private static void write(Path file, Record record) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(record);
        AtomicFile.write(file, out -> out.write(bytes));
    }
}
