package org.plscj.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.plscj.head.LossType;

/**
 * One component of {@link TrainConfig} as a YAML key: its snake_case name, turning a YAML value
 * into the component's Java type (with an error that names the key and where the value came from),
 * and back.
 */
record ConfigField(String key, RecordComponent component) {
    /** Every field, in the record's order. */
    private static final ObjectMapper JSON = new ObjectMapper();

    static final List<ConfigField> ALL = Arrays.stream(TrainConfig.class.getRecordComponents())
            .map(c -> new ConfigField(keyOf(c.getName()), c)).toList();

    private static String keyOf(String javaName) {
        // why: the accessor margin() is the resolved Margin, so PLSC's "margin" lives in mainMargin
        return javaName.equals("mainMargin") ? "margin" : javaName.replaceAll("([A-Z])", "_$1").toLowerCase();
    }

    static List<String> keys() {
        return ALL.stream().map(ConfigField::key).toList();
    }

    Object valueIn(TrainConfig config) {
        try {
            return component.getAccessor().invoke(config);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("cannot read " + component.getName(), e);
        }
    }

    /** The value as YAML writes it: LossType by its PLSC name, everything else as is. */
    JsonNode toNode(TrainConfig config) {
        Object value = valueIn(config);
        Object plain = value instanceof LossType t ? t.plscName() : value;
        return JSON.valueToTree(plain);
    }

    /**
     * The YAML value converted to this field's type. Null (an empty value) is null for the
     * optional fields and the empty list for lists; a scalar where a list is expected is split at
     * commas, so {@code val_targets=lfw,cfp_fp} works on the command line.
     *
     * @param where "f.yaml line 4" or "override 'lr=x'", for the error message
     */
    Object convert(JsonNode node, String where) {
        Class<?> type = component.getType();
        boolean absent = node == null || node.isNull() || node.isMissingNode();
        if (type == List.class) {
            return absent ? List.of() : convertList(node, where);
        }
        if (absent) {
            if (type.isPrimitive() || type == LossType.class) {
                throw wrongType(node, where);
            }
            return null;
        }
        return convertScalar(node, type, where);
    }

    private List<Object> convertList(JsonNode node, String where) {
        Class<?> element = (Class<?>) ((ParameterizedType) component.getGenericType()).getActualTypeArguments()[0];
        List<Object> out = new ArrayList<>();
        if (node.isArray()) {
            node.forEach(item -> out.add(convertScalar(item, element, where)));
        } else if (node.isValueNode()) {
            for (String part : node.asText().split(",")) {
                if (!part.isBlank()) {
                    out.add(convertScalar(JsonNodeFactory.instance.textNode(part.trim()), element, where));
                }
            }
        } else {
            throw wrongType(node, where);
        }
        return out;
    }

    private Object convertScalar(JsonNode node, Class<?> type, String where) {
        if (!node.isValueNode() || node.isNull()) {
            throw wrongType(node, where);
        }
        if (type == String.class) {
            return node.asText();
        }
        if (type == LossType.class) {
            try {
                return LossType.parse(node.asText());
            } catch (IllegalArgumentException e) {
                throw new ConfigException(key, "key '" + key + "' in " + where + ": " + e.getMessage(), e);
            }
        }
        if (type == boolean.class) {
            if (!node.isBoolean()) {
                throw wrongType(node, where);
            }
            return node.booleanValue();
        }
        return convertNumber(node, type, where);
    }

    private Object convertNumber(JsonNode node, Class<?> type, String where) {
        double value;
        try {
            // why: YAML 1.1 reads 1e5 or 1.0E10 (no exponent sign) as text, so numeric text is accepted
            value = node.isNumber() ? node.doubleValue() : Double.parseDouble(node.asText().trim());
        } catch (NumberFormatException e) {
            throw wrongType(node, where);
        }
        if (type == double.class || type == Double.class) {
            return value;
        }
        long whole = node.isIntegralNumber() ? node.longValue() : (long) value;
        boolean fits = type == int.class ? whole == (int) whole : type == long.class || type == Long.class;
        if (whole != value || !fits) {
            throw wrongType(node, where);
        }
        return type == int.class ? (Object) (int) whole : (Object) whole;
    }

    private ConfigException wrongType(JsonNode node, String where) {
        String got = node == null || node.isNull() || node.isMissingNode() ? "nothing"
                : node.isValueNode() ? "'" + node.asText() + "'" : node.toString();
        return new ConfigException(key, "key '" + key + "' in " + where + ": expected " + expected() + ", got " + got);
    }

    private String expected() {
        Class<?> type = component.getType();
        if (type == int.class || type == long.class) {
            return "an integer";
        }
        if (type == double.class || type == Double.class) {
            return "a number";
        }
        if (type == boolean.class) {
            return "true or false";
        }
        if (type == List.class) {
            return component.getGenericType().getTypeName().contains("Long") ? "a list of integers" : "a list of names";
        }
        return "a name";
    }
}
