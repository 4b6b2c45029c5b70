package org.plscj.serve;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * {@code model.json} of an inference bundle: how to rebuild the backbone and what the bundle holds.
 *
 * @param numClasses            rows of {@code centres.pt} (0 when the bundle has no centres)
 * @param centres               {@code fp32}, {@code fp16} or {@code none}
 * @param verificationThreshold cosine similarity above which two faces are the same person, when known
 *                              (from evaluation); null otherwise
 * @param source                where the weights came from (a checkpoint directory or a PyTorch file)
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
        @JsonProperty("source") String source) {
    public static final int FORMAT = 1;
    public static final String FILE = "model.json";
    public static final String BACKBONE = "backbone.pt";
    public static final String ONNX = "backbone.onnx";
    public static final String CENTRES = "centres.pt";
    /** The key of the centre matrix [num_classes, emb_dim] in {@code centres.pt}. */
    public static final String CENTRES_KEY = "centres";
}
