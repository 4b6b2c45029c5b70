package org.plscj.checkpoint;

import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.plscj.head.PartialFC;
import org.plscj.labels.LabelMap;
import org.plscj.model.Backbone;

/**
 * What one worker contributes to a checkpoint at a step boundary (live objects, read during the save).
 *
 * @param momentum   the backbone optimizer's state by key (SGD: momentum by parameter name; AdamW: its moments and step), saved by rank 0
 * @param configYaml the resolved config, stored in the manifest
 * @param runId      the run's id, stored in the manifest
 * @param labels     the classes' names, saved by rank 0 as {@code labels.tsv}; null when the data has none
 */
public record Snapshot(long step, int epoch, double lr, String configYaml, String runId, Backbone backbone,
        Map<String, Tensor> momentum, PartialFC head, LabelMap labels) {

    /** A snapshot of classes without names. */
    public Snapshot(long step, int epoch, double lr, String configYaml, String runId, Backbone backbone, Map<String, Tensor> momentum,
            PartialFC head) {
        this(step, epoch, lr, configYaml, runId, backbone, momentum, head, null);
    }
}
