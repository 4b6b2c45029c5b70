package org.plscj.checkpoint;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;

/**
 * {@code meta.json}, written last: what a checkpoint holds and the SHA-256 of every file in it.
 * PLSC's fields (pretrain_nranks = {@code world_size}, emb_dim, num_classes, epoch, lr state) plus
 * what a resume or a reshard must check.
 *
 * @param config the resolved training config as YAML, so a checkpoint says how it was made
 * @param runId  the training run that wrote it (kept across resumes; null in checkpoints older than the field)
 */
public record CheckpointMeta(
        @JsonProperty("format") int format,
        @JsonProperty("model_name") String modelName,
        @JsonProperty("loss_type") String lossType,
        @JsonProperty("world_size") int worldSize,
        @JsonProperty("emb_dim") int embDim,
        @JsonProperty("num_classes") long numClasses,
        @JsonProperty("step") long step,
        @JsonProperty("epoch") int epoch,
        @JsonProperty("lr") double lr,
        @JsonProperty("config") String config,
        @JsonProperty("run_id") String runId,
        @JsonProperty("sha256") Map<String, String> sha256) {
    public static final int FORMAT = 1;
    public static final String FILE = "meta.json";

    /** The same manifest with other checksums. */
    public CheckpointMeta withSha256(Map<String, String> sums) {
        return new CheckpointMeta(format, modelName, lossType, worldSize, embDim, numClasses, step, epoch, lr, config, runId, sums);
    }

    /** The same manifest for another world size (a reshard); checksums are recomputed on publishing. */
    public CheckpointMeta withWorldSize(int newWorldSize) {
        return new CheckpointMeta(format, modelName, lossType, newWorldSize, embDim, numClasses, step, epoch, lr, config, runId, sha256);
    }
}
