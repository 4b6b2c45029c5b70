package org.plscj.train;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashSet;
import java.util.Set;

/**
 * One key of the bundled defaults file: its default as a YAML value (a null node when the key is unset by default)
 * and a one-line description of what it means, which the configuration reference shows.
 *
 * @param where "defaults.yaml line 12", for error messages
 */
record KeyDefault(String key, JsonNode value, String description, String where) {
    private static final Set<String> FIELDS = Set.of("default", "description");

    /** The entry {@code key: {default: …, description: …}}; anything else is refused naming the key and line. */
    static KeyDefault of(String key, JsonNode entry, String where) {
        if (entry == null || !entry.isObject() || !FIELDS.equals(fieldNames(entry))
                || !entry.get("description").isTextual() || entry.get("description").asText().isBlank()) {
            throw new ConfigException(key, "key '" + key + "' in " + where + ": expected {default: <value>, description: <text>}, got " + entry);
        }
        return new KeyDefault(key, entry.get("default"), entry.get("description").asText().strip(), where);
    }

    private static Set<String> fieldNames(JsonNode entry) {
        Set<String> names = new HashSet<>();
        entry.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
