package org.plscj.export;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.plscj.io.Sha256;

/**
 * {@code model.json} of an inference bundle: how to rebuild the backbone, what the bundle holds, which weights it
 * serves and where they came from.
 *
 * @param numClasses            rows of {@code centres.pt} (0 when the bundle has no centres)
 * @param centres               {@code fp32}, {@code fp16} or {@code none}
 * @param verificationThreshold cosine similarity above which two faces are the same person, when known
 *                              (from evaluation); null otherwise
 * @param source                where the weights came from (a checkpoint directory or a PyTorch file)
 * @param fingerprint           the model's identity: the SHA-256 of {@code backbone.pt} (checked on opening; a gallery
 *                              records the fingerprint of the model that made its templates); null in older bundles
 * @param provenance            how the weights were made or obtained; null in older bundles
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BundleMeta(
        @JsonProperty("format") int format,
        @JsonProperty("model_name") String modelName,
        @JsonProperty("emb_dim") int embDim,
        @JsonProperty("num_classes") long numClasses,
        @JsonProperty("loss_type") String lossType,
        @JsonProperty("centres") String centres,
        @JsonProperty("verification_threshold") Double verificationThreshold,
        @JsonProperty("source") String source,
        @JsonProperty("fingerprint") String fingerprint,
        @JsonProperty("provenance") Provenance provenance) {
    public static final int FORMAT = 1;
    public static final String FILE = "model.json";
    public static final String BACKBONE = "backbone.pt";
    public static final String ONNX = "backbone.onnx";
    public static final String CENTRES = "centres.pt";
    /** The key of the centre matrix [num_classes, emb_dim] in {@code centres.pt}. */
    public static final String CENTRES_KEY = "centres";

    /**
     * Where a bundle's weights come from: an export names its checkpoint (directory, step, run, the SHA-256 of the
     * training config it was saved with); an import names the file, its SHA-256 and what the user said of its origin
     * and licence ({@code plsc import --source, --source-license}: recorded as given, not verified).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Provenance(
            @JsonProperty("checkpoint") String checkpoint,
            @JsonProperty("checkpoint_step") Long checkpointStep,
            @JsonProperty("run_id") String runId,
            @JsonProperty("config_sha256") String configSha256,
            @JsonProperty("weights_file") String weightsFile,
            @JsonProperty("weights_file_sha256") String weightsFileSha256,
            @JsonProperty("weights_source") String weightsSource,
            @JsonProperty("source_license") String sourceLicense) {

        /** An export of checkpoint {@code dir} at {@code step}. */
        public static Provenance ofCheckpoint(String dir, long step, String runId, String configSha256) {
            return new Provenance(dir, step, runId, configSha256, null, null, null, null);
        }

        /** An import of {@code file} (with its SHA-256), obtained from {@code source} under {@code license} (as the user said). */
        public static Provenance ofImport(String file, String fileSha256, String source, String license) {
            return new Provenance(null, null, null, null, file, fileSha256, source, license);
        }
    }

    /**
     * {@code dir}'s {@code model.json}, refused unless it is there and of this format; errors name the file and what was
     * expected.
     */
    public static BundleMeta read(Path dir) throws IOException {
        Path metaFile = dir.resolve(FILE);
        if (!Files.isRegularFile(metaFile)) {
            throw new IllegalArgumentException(dir + " is not an inference bundle: it has no " + FILE + " (make one with 'plsc export')");
        }
        BundleMeta meta = BundleWriter.json().readValue(metaFile.toFile(), BundleMeta.class);
        if (meta.format() != FORMAT) {
            throw new IllegalArgumentException(metaFile + " has format " + meta.format() + "; this version reads " + FORMAT);
        }
        return meta;
    }

    /**
     * The SHA-256 of the bundle's {@code backbone.pt}, refused when it differs from this metadata's fingerprint (a
     * bundle older than the field has none to check).
     */
    public String checkedFingerprint(Path dir) throws IOException {
        Path weights = dir.resolve(BACKBONE);
        String actual = Sha256.of(weights);
        if (fingerprint != null && !fingerprint.equals(actual)) {
            throw new IllegalArgumentException(weights + " has SHA-256 " + actual + " but " + dir.resolve(FILE) + " says the bundle's weights are "
                    + fingerprint + ": the weights were replaced or damaged; export the bundle again");
        }
        return actual;
    }

    /** The same metadata naming the weights by {@code newFingerprint}. */
    public BundleMeta withFingerprint(String newFingerprint) {
        return new BundleMeta(format, modelName, embDim, numClasses, lossType, centres, verificationThreshold, source, newFingerprint,
                provenance);
    }
}
