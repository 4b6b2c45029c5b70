package org.plscj.train;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes the configuration reference from the bundled defaults file: {@code docs/configuration.md} and the table in
 * README's "Training: plsc train" section (between {@link #BEGIN} and {@link #END}). {@code ConfigReferenceTest}
 * fails when the committed files differ from what this writes; run {@link #REGENERATE} in the repository to update them.
 */
public final class ConfigReference {
    static final String REGENERATE = "mvn -B -q -o test-compile && "
            + "java -cp target/test-classes:target/classes:$(cat target/classpath.txt) " + ConfigReference.class.getName();
    static final String BEGIN = "<!-- configuration table: generated from src/main/resources/org/plscj/train/"
            + TrainConfigLoader.DEFAULTS_FILE + " by " + REGENERATE + " (do not edit by hand) -->";
    static final String END = "<!-- end of the generated configuration table -->";
    static final Path PAGE = Path.of("docs", "configuration.md");
    static final Path README = Path.of("README.md");

    private ConfigReference() {}

    /** Writes both files in the repository {@code args[0]} (default: the working directory). */
    public static void main(String[] args) throws IOException {
        Path root = Path.of(args.length > 0 ? args[0] : ".");
        Files.writeString(root.resolve(PAGE), page());
        Files.writeString(root.resolve(README), readme(Files.readString(root.resolve(README))));
    }

    /** docs/configuration.md: how a configuration is put together, then every key. */
    static String page() {
        return """
                # Configuration reference

                [Docs home](index.md)

                `plsc train --config f.yaml [KEY=VALUE…]` reads one YAML file with PLSC's key names. Keys the file
                leaves out take the defaults below (PLSC v1's, where PLSC has the key); `base: other.yaml` (relative
                to the file) inherits a recipe, which the file then overrides, as arcface_torch's configs do; any key
                can be overridden on the command line as `KEY=VALUE` (`lr_steps=[1000,2000]`, `val_targets=lfw,cfp_fp`).
                Unknown keys and bad values are errors naming the key, the file and line or the override
                (`unknown key 'learning_rate' in f.yaml line 3 (did you mean 'lr'?)`). Every run writes the resolved
                configuration, every key included, to `<model_save_dir>/config.yaml`.

                This page is generated from `src/main/resources/org/plscj/train/%s`, the file `TrainConfig.defaults()`
                reads; `ConfigReferenceTest` fails when the two differ. To change a default or a description, edit that
                file and regenerate this page and README's table:

                ```bash
                %s
                ```

                %s
                """.formatted(TrainConfigLoader.DEFAULTS_FILE, REGENERATE, table());
    }

    /** README with the text between {@link #BEGIN} and {@link #END} replaced by the table. */
    static String readme(String readme) {
        int begin = readme.indexOf(BEGIN);
        int end = readme.indexOf(END);
        if (begin < 0 || end < begin) {
            throw new IllegalStateException("README.md has no line '" + BEGIN + "' followed by '" + END + "' to put the table between");
        }
        return readme.substring(0, begin) + BEGIN + "\n\n" + table() + "\n" + readme.substring(end);
    }

    /** One row per key, in the file's order: key, default, meaning. */
    static String table() {
        List<String> rows = new ArrayList<>(List.of("| key | default | meaning |", "|---|---|---|"));
        for (KeyDefault key : TrainConfigLoader.keyDefaults()) {
            rows.add("| `" + key.key() + "` | " + shown(key.value()) + " | " + key.description().replace("|", "\\|") + " |");
        }
        return String.join("\n", rows) + "\n";
    }

    private static String shown(JsonNode value) {
        return value.isNull() ? "unset" : "`" + plain(value) + "`";
    }

    private static String plain(JsonNode value) {
        if (value.isArray()) {
            List<String> items = new ArrayList<>();
            value.forEach(item -> items.add(plain(item)));
            return "[" + String.join(", ", items) + "]";
        }
        if (value.isFloatingPointNumber() && value.doubleValue() != Math.rint(value.doubleValue())) {
            // why: Jackson writes 0.0005 as 5.0E-4
            return BigDecimal.valueOf(value.doubleValue()).stripTrailingZeros().toPlainString();
        }
        return value.asText();
    }
}
