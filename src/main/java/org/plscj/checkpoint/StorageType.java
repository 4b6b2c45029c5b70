package org.plscj.checkpoint;

import net.razorvine.pickle.IObjectConstructor;
import net.razorvine.pickle.PickleException;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The legacy typed-storage classes ({@code torch.FloatStorage}, ...) that torch.save names in every
 * storage's persistent id, both in 1.x and 2.x: the class name is the only place the dtype is stored.
 * Each constant is also the object the unpickler pushes for that GLOBAL.
 */
enum StorageType implements IObjectConstructor {
    FLOAT("FloatStorage", ScalarType.Float),
    DOUBLE("DoubleStorage", ScalarType.Double),
    HALF("HalfStorage", ScalarType.Half),
    BFLOAT16("BFloat16Storage", ScalarType.BFloat16),
    LONG("LongStorage", ScalarType.Long),
    INT("IntStorage", ScalarType.Int),
    SHORT("ShortStorage", ScalarType.Short),
    CHAR("CharStorage", ScalarType.Char),
    BYTE("ByteStorage", ScalarType.Byte),
    BOOL("BoolStorage", ScalarType.Bool);

    final String className;
    final ScalarType dtype;

    StorageType(String className, ScalarType dtype) {
        this.className = className;
        this.dtype = dtype;
    }

    /** The storage class for a tensor's dtype, or null when torch.save has none we support. */
    static StorageType of(ScalarType dtype) {
        for (StorageType t : values()) {
            if (t.dtype == dtype) {
                return t;
            }
        }
        return null;
    }

    /** The storage class named {@code torch.<className>}, or null. */
    static StorageType named(String className) {
        for (StorageType t : values()) {
            if (t.className.equals(className)) {
                return t;
            }
        }
        return null;
    }

    @Override
    public Object construct(Object[] args) {
        // why: torch.save only names storage classes inside persistent ids, it never calls them
        throw new PickleException("torch." + className + " is not callable in a checkpoint");
    }
}
