package org.plscj.serve;

import org.bytedeco.pytorch.Tensor;
import org.plscj.labels.LabelMap;

/**
 * What {@link FaceServer} says about the model it serves and answers with besides embeddings.
 *
 * @param name        shown in answers and {@code /health}
 * @param fingerprint the weights' SHA-256 (a bundle's {@code backbone.pt}, or an ONNX file); a persisted gallery is
 *                    bound to it. Null only for models without files (tests, benchmarks)
 * @param threshold   the verification threshold, or null
 * @param centres     normalised class centres [C, D] for {@code /v1/identify} (fp32, fp16, or int8 codes), or null
 * @param centreScales int8 centres' per-row scales [C], else null
 * @param labels      the centres' names, or null
 */
public record ServedModel(String name, String fingerprint, Double threshold, Tensor centres, Tensor centreScales, LabelMap labels) {
    /** A model whose centres (if any) are fp32 or fp16. */
    public ServedModel(String name, String fingerprint, Double threshold, Tensor centres, LabelMap labels) {
        this(name, fingerprint, threshold, centres, null, labels);
    }
}
