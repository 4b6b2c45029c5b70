package org.plscj.train;

/**
 * A training configuration that cannot be used: an unknown key, a value of the wrong type, a value
 * out of range. The message names the key and, where known, the file and line it came from.
 */
public class ConfigException extends RuntimeException {
    private final String key;

    /** @param key the snake_case key at fault, or null when the fault is not one key's */
    public ConfigException(String key, String message) {
        super(message);
        this.key = key;
    }

    public ConfigException(String key, String message, Throwable cause) {
        super(message, cause);
        this.key = key;
    }

    /** The snake_case key at fault, or null. */
    public String key() {
        return key;
    }
}
