package org.plscj.train;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * "did you mean" for an unknown configuration key: the closest key by edit distance, also
 * matching the names arcface_torch's configs use for the same settings (so {@code learning_rate}
 * and {@code lerning_rate} both suggest {@code lr}).
 */
final class KeySuggestion {
    /** arcface_torch / common spellings → our key. */
    private static final Map<String, String> ALIASES = Map.ofEntries(
            Map.entry("learning_rate", "lr"),
            Map.entry("batch_size", "train_batch_size"),
            Map.entry("num_epoch", "train_epochs"),
            Map.entry("epochs", "train_epochs"),
            Map.entry("warmup_epoch", "warmup_epochs"),
            Map.entry("embedding_size", "emb_dim"),
            Map.entry("network", "model_name"),
            Map.entry("output", "model_save_dir"),
            Map.entry("rec", "dataset_dir"),
            Map.entry("sample_rate", "sample_ratio"),
            Map.entry("fp16", "mixed_precision"),
            Map.entry("loss", "loss_type"),
            Map.entry("frequent", "log_period"),
            Map.entry("resume", "checkpoint_dir"));

    private KeySuggestion() {}

    /** " (did you mean 'lr'?)", or "" when no key is close. */
    static String didYouMean(String unknown) {
        Map<String, String> candidates = new LinkedHashMap<>();
        ConfigField.keys().forEach(k -> candidates.put(k, k));
        candidates.putAll(ALIASES);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (Map.Entry<String, String> c : candidates.entrySet()) {
            int d = editDistance(unknown.toLowerCase(), c.getKey());
            if (d < bestDistance) {
                bestDistance = d;
                best = c.getValue();
            }
        }
        // why: past a third of the word the "closest" key is a guess that misleads more than it helps
        int tolerance = Math.max(2, unknown.length() / 3);
        return bestDistance <= tolerance ? " (did you mean '" + best + "'?)" : "";
    }

    /** Levenshtein distance: insertions, deletions and substitutions of one character. */
    static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitute, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
