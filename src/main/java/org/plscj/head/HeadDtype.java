package org.plscj.head;

import java.util.Arrays;
import java.util.List;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The element type the shard's W and its optimizer state are stored in (head_dtype). Arithmetic is float32 either way:
 * under bfloat16 each block of the step widens its rows to float32, computes and updates exactly as the float32 head
 * does, and rounds the result back. bfloat16 halves the head's dominant memory (W and momentum, 2·D bytes per class
 * each instead of 4·D), which is what puts 10M classes at D = 512 on one 24 GiB node.
 */
public enum HeadDtype {
    FLOAT32("float32", ScalarType.Float),
    BFLOAT16("bfloat16", ScalarType.BFloat16);

    private final String key;
    private final ScalarType storage;

    HeadDtype(String key, ScalarType storage) {
        this.key = key;
        this.storage = storage;
    }

    /** The config value: float32 or bfloat16. */
    public String key() {
        return key;
    }

    /** The libtorch element type W and its optimizer state are held in. */
    public ScalarType storage() {
        return storage;
    }

    /** Bytes per stored element of W, its momentum and AdamW's second moment. */
    public int bytes() {
        return this == FLOAT32 ? 4 : 2;
    }

    /** The allowed config values. */
    public static List<String> keys() {
        return Arrays.stream(values()).map(HeadDtype::key).toList();
    }

    /** The dtype named {@code key}; anything else is refused naming head_dtype and the allowed values. */
    public static HeadDtype of(String key) {
        for (HeadDtype d : values()) {
            if (d.key.equals(key)) {
                return d;
            }
        }
        throw new HeadConfigException("head_dtype", "head_dtype must be one of " + keys() + ", got '" + key + "'");
    }

    /** The head dtype a stored tensor of this element type stands for, or null when it is neither. */
    public static HeadDtype stored(ScalarType type) {
        for (HeadDtype d : values()) {
            if (d.storage == type) {
                return d;
            }
        }
        return null;
    }
}
