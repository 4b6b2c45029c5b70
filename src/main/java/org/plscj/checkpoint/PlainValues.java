package org.plscj.checkpoint;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.plscj.tensor.Scoped;

/**
 * Turns what the unpickler built into the values {@link TorchFile#read} promises: string keys,
 * {@code Long} for every Python int Pyrolite made an {@code Integer}, and tensors taken out of the
 * reader's scope.
 */
final class PlainValues {
    private PlainValues() {}

    static Map<String, Object> adopt(Map<?, ?> top, Path file, String record) throws CheckpointFormatException {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : top.entrySet()) {
            if (!(e.getKey() instanceof String)) {
                throw new CheckpointFormatException(file, record, "top-level key " + e.getKey() + " is not a string");
            }
            out.put((String) e.getKey(), adopt(e.getValue(), 1, file, record));
        }
        return out;
    }

    /** Nesting deeper than any torch.save of a model (state_dicts nest 2–3 levels); bounds the recursion below. */
    private static final int MAX_DEPTH = 64;

    private static Object adopt(Object value, int depth, Path file, String record) throws CheckpointFormatException {
        if (depth > MAX_DEPTH) {
            throw new CheckpointFormatException(file, record, "values nested deeper than " + MAX_DEPTH + " levels");
        }
        if (value instanceof Tensor) {
            // why: one extra reference survives the closing of the reader's scope; GC or close() drops it
            return Scoped.hold((Tensor) value);
        }
        if (value instanceof Integer) {
            return ((Integer) value).longValue();
        }
        if (value instanceof Map) {
            Map<Object, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
                out.put(adopt(e.getKey(), depth + 1, file, record), adopt(e.getValue(), depth + 1, file, record));
            }
            return out;
        }
        if (value instanceof List) {
            List<Object> out = new ArrayList<>();
            for (Object v : (List<?>) value) {
                out.add(adopt(v, depth + 1, file, record));
            }
            return out;
        }
        if (value instanceof Object[]) {
            Object[] items = (Object[]) value;
            Object[] out = new Object[items.length];
            for (int i = 0; i < items.length; i++) {
                out[i] = adopt(items[i], depth + 1, file, record);
            }
            return out;
        }
        return value;
    }
}
