package org.plscj.head;

/** A head setting out of range, naming the setting by PLSC's config key, so that a config file's loader can name it too. */
public final class HeadConfigException extends IllegalArgumentException {
    private final String key;

    HeadConfigException(String key, String message) {
        super(message);
        this.key = key;
    }

    /** PLSC's name of the setting: num_classes, emb_dim, sample_ratio, momentum, weight_decay or block_rows. */
    public String key() {
        return key;
    }
}
