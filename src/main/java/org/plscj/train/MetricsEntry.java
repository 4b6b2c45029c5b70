package org.plscj.train;

import java.util.Map;
import java.util.Set;

/**
 * One logged training step, a line of {@code metrics.jsonl}.
 *
 * @param step            steps done so far (1-based: the line after the 200th step says 200)
 * @param epoch           the epoch the step belongs to
 * @param loss            mean training loss over the logged period (may be NaN when training diverged)
 * @param acc             training accuracy, or null when not computed (calc_acc off)
 * @param lr              learning rate used
 * @param imagesPerSecond global throughput
 * @param etaSeconds      estimated seconds to the end
 * @param extra           further values by name, e.g. {@code lfw_acc}; names must differ from the fields above
 */
public record MetricsEntry(long step, int epoch, double loss, Double acc, double lr, double imagesPerSecond,
        double etaSeconds, Map<String, Double> extra) {
    /** The JSON names of the fixed fields; extra values may not use them. */
    public static final Set<String> FIELDS = Set.of("step", "epoch", "loss", "acc", "lr", "images_per_s", "eta_s");

    public MetricsEntry {
        extra = extra == null ? Map.of() : Map.copyOf(extra);
        for (String name : extra.keySet()) {
            if (FIELDS.contains(name)) {
                throw new IllegalArgumentException("extra metric '" + name + "' would overwrite the field of that name");
            }
        }
    }

    /** An entry without extra values. */
    public MetricsEntry(long step, int epoch, double loss, Double acc, double lr, double imagesPerSecond, double etaSeconds) {
        this(step, epoch, loss, acc, lr, imagesPerSecond, etaSeconds, Map.of());
    }
}
