package org.plscj.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.plscj.head.LossType;

/**
 * The defaults are PLSC v1's, key by key. The expected record is the positional call that defined them in
 * code before they moved into a bundled file, kept verbatim so that the move cannot change a value unnoticed.
 */
class TrainConfigDefaultsTest {
    private static final TrainConfig BEFORE_THE_DEFAULTS_FILE = new TrainConfig("ResNet50", LossType.ARCFACE, null, null, null, null, null,
            512, 85742, 128, 120,
            0.1, "piecewise", List.of(100_000L, 160_000L, 220_000L), 0.1, 0, 120, 0,
            1.0, 0.9, 5e-4,
            "./train_data", "./saved_model", null, List.of("lfw"), null, null,
            200, 0, 0, false, "auto", 5, 0, false, 0, false, "random", "per_rank", "./plsc-staging", null, null,
            "stop", 10, 0, ElasticBatch.KEEP_GLOBAL, 25, "sgd", 1.0, 1, null, 0, 1.0, "exact", false, 0, 0, "float32");

    @Test
    void everyKeyKeepsTheDefaultItHadInCode() {
        TrainConfig defaults = TrainConfig.defaults();
        for (ConfigField field : ConfigField.ALL) {
            assertEquals(field.valueIn(BEFORE_THE_DEFAULTS_FILE), field.valueIn(defaults), "default of " + field.key());
        }
        assertEquals(BEFORE_THE_DEFAULTS_FILE, defaults);
    }

    @Test
    void theDefaultsFileDescribesEveryKeyOnceInTheRecordsOrder() {
        List<KeyDefault> file = TrainConfigLoader.keyDefaults();
        assertEquals(ConfigField.keys(), file.stream().map(KeyDefault::key).toList());
        for (KeyDefault key : file) {
            assertFalse(key.description().contains("\n"), key.key() + "'s description is one line (a table cell)");
        }
    }

    @Test
    void anEntryWithoutADescriptionIsRefusedNamingTheKeyAndLine() throws Exception {
        ConfigException e = assertThrows(ConfigException.class,
                () -> KeyDefault.of("lr", new ObjectMapper().readTree("{\"default\": 0.1}"), "defaults.yaml line 40"));
        String message = e.getMessage().toLowerCase(Locale.ROOT);
        assertTrue(message.contains("'lr'") && message.contains("line 40") && message.contains("description"), e.getMessage());
    }
}
