package org.plscj.checkpoint;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import net.razorvine.pickle.IObjectConstructor;
import net.razorvine.pickle.PickleException;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Tensor;

/**
 * The Python callables a torch.save state_dict names, as Pyrolite constructors: the tensor and
 * parameter rebuilders of {@code torch._utils}, {@code collections.OrderedDict}, and the storage types.
 */
final class TorchGlobals {
    private static final Map<String, IObjectConstructor> KNOWN = new HashMap<>();

    static {
        KNOWN.put("torch._utils._rebuild_tensor_v2", TorchGlobals::rebuildTensor);
        // why: nn.Parameter pickles as _rebuild_parameter(data, requires_grad, hooks[, state]); here it is its data
        KNOWN.put("torch._utils._rebuild_parameter", args -> tensorArg(args, 0));
        KNOWN.put("torch._utils._rebuild_parameter_with_state", args -> tensorArg(args, 0));
        KNOWN.put("torch._tensor._rebuild_from_type_v2", TorchGlobals::rebuildFromType);
        // why: keeps the file's key order, which is the module's registration order
        KNOWN.put("collections.OrderedDict", args -> new LinkedHashMap<>());
        for (StorageType type : StorageType.values()) {
            KNOWN.put("torch." + type.className, type);
        }
    }

    private TorchGlobals() {}

    /** The constructor for {@code module.name}, or null when it is none of the above. */
    static IObjectConstructor lookup(String module, String name) {
        return KNOWN.get(module + "." + name);
    }

    /** _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, hooks[, metadata]). */
    private static Object rebuildTensor(Object[] args) {
        Tensor storage = tensorArg(args, 0);
        long offset = ((Number) args[1]).longValue();
        long[] size = longs(args[2]);
        long[] stride = longs(args[3]);
        checkInside(storage.numel(), offset, size, stride);
        return storage.as_strided(size, stride, new LongOptional(offset));
    }

    /** A view must lie inside its storage: offset + Σ (size_i − 1)·stride_i &lt; numel, all non-negative. */
    private static void checkInside(long numel, long offset, long[] size, long[] stride) {
        if (size.length != stride.length || offset < 0) {
            throw new PickleException("a tensor with " + size.length + " sizes, " + stride.length + " strides and offset " + offset);
        }
        long last = offset;
        boolean empty = false;
        for (int i = 0; i < size.length; i++) {
            if (size[i] < 0 || stride[i] < 0) {
                throw new PickleException("a tensor with negative size or stride: " + java.util.Arrays.toString(size) + " / "
                        + java.util.Arrays.toString(stride));
            }
            empty |= size[i] == 0;
            last = Math.addExact(last, Math.multiplyExact(Math.max(size[i] - 1, 0), stride[i]));
        }
        if (!empty && last >= numel) {
            throw new PickleException("a tensor of size " + java.util.Arrays.toString(size) + " at offset " + offset
                    + " reaches element " + last + " of a storage of " + numel);
        }
    }

    /** _rebuild_from_type_v2(func, type, args, state): a tensor subclass or a tensor with attributes. */
    private static Object rebuildFromType(Object[] args) {
        return ((IObjectConstructor) args[0]).construct((Object[]) args[2]);
    }

    private static Tensor tensorArg(Object[] args, int index) {
        if (!(args[index] instanceof Tensor)) {
            throw new PickleException("expected a tensor storage, got " + args[index]);
        }
        return (Tensor) args[index];
    }

    private static long[] longs(Object tuple) {
        Object[] items = (Object[]) tuple;
        long[] out = new long[items.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((Number) items[i]).longValue();
        }
        return out;
    }
}
