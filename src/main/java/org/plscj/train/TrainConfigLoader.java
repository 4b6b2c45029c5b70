package org.plscj.train;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a {@link TrainConfig}: PLSC's defaults (the bundled {@value #DEFAULTS_FILE} beside {@code TrainConfig}, every
 * key with its default and description), then a YAML recipe (snake_case keys; a recipe may
 * name a {@code base: other.yaml}, relative to itself, and override it, as arcface_torch's configs
 * do), then {@code key=value} overrides from the command line, then validation.
 *
 * <pre>{@code
 * # configs/ms1m_r50.yaml
 * base: defaults.yaml
 * num_classes: 85742
 * lr_steps: [100000, 160000, 220000]
 * }</pre>
 *
 * <pre>{@code
 * TrainConfig c = TrainConfigLoader.load(Path.of("configs/ms1m_r50.yaml"), List.of("lr=0.2", "val_targets=lfw,cfp_fp"));
 * Files.writeString(dir.resolve("config.yaml"), TrainConfigLoader.toYaml(c));
 * }</pre>
 */
public final class TrainConfigLoader {
    /** The recipe key naming the recipe this one overrides. */
    public static final String BASE_KEY = "base";

    /** The resource, beside {@link TrainConfig}'s class, holding every key's default and description. */
    public static final String DEFAULTS_FILE = "defaults.yaml";

    private static final YAMLMapper YAML = YAMLMapper.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .build();

    /** A value and where it was set ("f.yaml line 4", "override 'lr=0.2'"), for error messages. */
    private record Setting(JsonNode value, String where) {}

    private TrainConfigLoader() {}

    /**
     * @param yamlOrNull a recipe, or null for PLSC's defaults
     * @param overrides  {@code key=value}, the value read as YAML ({@code lr_steps=[1000,2000]})
     *                   or as a comma-separated list ({@code val_targets=lfw,cfp_fp})
     * @throws ConfigException naming the key, the file and line or the override at fault
     */
    public static TrainConfig load(Path yamlOrNull, List<String> overrides) {
        Map<String, Setting> settings = new LinkedHashMap<>();
        if (yamlOrNull != null) {
            readRecipe(yamlOrNull, settings, new ArrayList<>());
        }
        addOverrides(overrides, settings);
        return build(TrainConfig.defaults(), settings);
    }

    /** {@code base} with {@code key=value} overrides applied, validated again. */
    public static TrainConfig override(TrainConfig base, List<String> overrides) {
        Map<String, Setting> settings = new LinkedHashMap<>();
        addOverrides(overrides, settings);
        return build(base, settings);
    }

    /** PLSC's defaults as the bundled {@value #DEFAULTS_FILE} sets them (read on each call; {@link TrainConfig#defaults} keeps one). */
    static TrainConfig readDefaults() {
        Map<String, Setting> settings = new LinkedHashMap<>();
        for (KeyDefault key : keyDefaults()) {
            settings.put(key.key(), new Setting(key.value(), key.where()));
        }
        try {
            return build(null, settings);
        } catch (ConfigException e) {
            throw new IllegalStateException("the bundled " + DEFAULTS_FILE + " is malformed: " + e.getMessage(), e);
        }
    }

    /**
     * Every key of the bundled {@value #DEFAULTS_FILE} in its order: the default as a YAML value and the description.
     * The file is part of the build, so a malformed one is a defect of the build (IllegalStateException), not bad input.
     */
    static List<KeyDefault> keyDefaults() {
        List<KeyDefault> out = new ArrayList<>();
        try (InputStream in = TrainConfig.class.getResourceAsStream(DEFAULTS_FILE)) {
            if (in == null) {
                throw new IllegalStateException(DEFAULTS_FILE + " is missing beside " + TrainConfig.class.getName() + " on the class path");
            }
            readMapping(DEFAULTS_FILE, YAML.createParser(in)).forEach((key, setting) -> out.add(KeyDefault.of(key, setting.value(), setting.where())));
        } catch (ConfigException e) {
            throw new IllegalStateException("the bundled " + DEFAULTS_FILE + " is malformed: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the bundled " + DEFAULTS_FILE, e);
        }
        return out;
    }

    /** The configuration as a YAML recipe with every key, which {@link #load} reads back equal. */
    public static String toYaml(TrainConfig config) {
        ObjectNode root = YAML.createObjectNode();
        for (ConfigField field : ConfigField.ALL) {
            root.set(field.key(), field.toNode(config));
        }
        try {
            return YAML.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the configuration as YAML", e);
        }
    }

    private static void readRecipe(Path file, Map<String, Setting> settings, List<Path> chain) {
        Path normal = file.toAbsolutePath().normalize();
        if (chain.contains(normal)) {
            throw new ConfigException(BASE_KEY, "recipes name each other as base in a circle: " + chain + " -> " + normal);
        }
        chain.add(normal);
        Map<String, Setting> own = readMapping(file);
        Setting base = own.remove(BASE_KEY);
        if (base != null) {
            if (!base.value().isTextual()) {
                throw new ConfigException(BASE_KEY, "key 'base' in " + base.where() + ": expected a file name, got " + base.value());
            }
            Path parent = file.toAbsolutePath().getParent();
            readRecipe(parent.resolve(base.value().asText()), settings, chain);
        }
        settings.putAll(own);
    }

    /** The top-level mapping of a YAML file, key by key with the line each key is on. */
    private static Map<String, Setting> readMapping(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new ConfigException(null, "config file " + file + " does not exist");
        }
        try {
            return readMapping(file.toString(), YAML.createParser(file.toFile()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** The top-level mapping {@code parser} reads, key by key with the line each key is on; closes the parser. */
    private static Map<String, Setting> readMapping(String name, JsonParser parser) throws IOException {
        Map<String, Setting> out = new LinkedHashMap<>();
        try (JsonParser p = parser) {
            JsonToken first = p.nextToken();
            if (first == null) {
                return out; // why: an empty recipe is a valid "use the base/defaults"
            }
            if (first != JsonToken.START_OBJECT) {
                throw new ConfigException(null, name + ": expected a mapping of key: value at the top, got " + first);
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                String where = name + " line " + p.currentTokenLocation().getLineNr();
                p.nextToken();
                Setting previous = out.put(key, new Setting(p.readValueAsTree(), where));
                if (previous != null) {
                    throw new ConfigException(key, "key '" + key + "' is set twice in " + name
                            + " (" + previous.where() + " and " + where + ")");
                }
            }
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String line = at != null && at.getLineNr() > 0 ? " line " + at.getLineNr() : "";
            throw new ConfigException(null, name + line + ": not valid YAML: " + e.getOriginalMessage(), e);
        }
        return out;
    }

    private static void addOverrides(List<String> overrides, Map<String, Setting> settings) {
        for (String override : overrides) {
            int eq = override.indexOf('=');
            if (eq <= 0) {
                throw new ConfigException(null, "override '" + override + "' is not key=value");
            }
            String key = override.substring(0, eq).trim();
            String text = override.substring(eq + 1).trim();
            String where = "override '" + override + "'";
            try {
                settings.put(key, new Setting(text.isEmpty() ? null : YAML.readTree(text), where));
            } catch (JsonProcessingException e) {
                throw new ConfigException(key, "key '" + key + "' in " + where + ": not a YAML value: " + e.getOriginalMessage(), e);
            }
        }
    }

    /** {@code base} with the settings applied, through the record's validation; a null base: every key must be set. */
    private static TrainConfig build(TrainConfig base, Map<String, Setting> settings) {
        Map<String, ConfigField> byKey = new HashMap<>();
        ConfigField.ALL.forEach(f -> byKey.put(f.key(), f));
        settings.forEach((key, setting) -> {
            if (!byKey.containsKey(key)) {
                throw new ConfigException(key, "unknown key '" + key + "' in " + setting.where() + KeySuggestion.didYouMean(key));
            }
        });
        Object[] args = new Object[ConfigField.ALL.size()];
        Class<?>[] types = new Class<?>[args.length];
        for (int i = 0; i < args.length; i++) {
            ConfigField field = ConfigField.ALL.get(i);
            Setting setting = settings.get(field.key());
            if (setting == null && base == null) {
                throw new IllegalStateException("the bundled " + DEFAULTS_FILE + " has no key '" + field.key() + "'");
            }
            args[i] = setting == null ? field.valueIn(base) : field.convert(setting.value(), setting.where());
            types[i] = field.component().getType();
        }
        try {
            return TrainConfig.class.getDeclaredConstructor(types).newInstance(args);
        } catch (InvocationTargetException e) {
            throw withSource(e.getCause(), settings);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot construct TrainConfig", e);
        }
    }

    /** The record's validation error, told where the offending key was set. */
    private static RuntimeException withSource(Throwable cause, Map<String, Setting> settings) {
        if (cause instanceof ConfigException c) {
            Setting setting = c.key() == null ? null : settings.get(c.key());
            return setting == null ? c : new ConfigException(c.key(), c.getMessage() + " (set in " + setting.where() + ")", c);
        }
        return cause instanceof RuntimeException r ? r : new IllegalStateException(cause);
    }
}
