package org.plscj.checkpoint;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import net.razorvine.pickle.IObjectPickler;
import net.razorvine.pickle.Opcodes;
import net.razorvine.pickle.Pickler;
import org.bytedeco.pytorch.Tensor;
import org.plscj.tensor.Tensors;

/**
 * Pyrolite's protocol-2 pickler taught one more type: a {@link Tensor} is written the way torch.save
 * writes it, {@code torch._utils._rebuild_tensor_v2(storage, 0, size, stride, False, OrderedDict())},
 * its storage a persistent id {@code ('storage', torch.<Type>Storage, key, 'cpu', numel)}.
 * The contiguous tensors collected here become the zip's {@code data/<key>} records.
 */
final class TorchPickler extends Pickler {
    private final List<Tensor> storages = new ArrayList<>();
    private final IObjectPickler tensorPickler = (o, out, pickler) -> writeTensor((Tensor) o, out);

    TorchPickler() {
        // why: no memo, so no object is ever replaced by a reference to an equal-valued one
        super(false);
    }

    /** The storages in key order: element {@code i} is record {@code data/i}. */
    List<Tensor> storages() {
        return storages;
    }

    @Override
    protected IObjectPickler getCustomPickler(Class<?> type) {
        return Tensor.class.isAssignableFrom(type) ? tensorPickler : super.getCustomPickler(type);
    }

    private void writeTensor(Tensor tensor, OutputStream out) throws IOException {
        // why: JavaCPP returns a fresh enum object from native code; intern() gives the constant
        StorageType type = StorageType.of(Tensors.dtype(tensor));
        if (type == null) {
            throw new IllegalArgumentException("torch.save has no storage type for dtype " + tensor.scalar_type());
        }
        if (!tensor.is_cpu()) {
            throw new IllegalArgumentException("only CPU tensors can be written; move it with .cpu() first");
        }
        Tensor contiguous = tensor.contiguous();
        String key = Integer.toString(storages.size());
        storages.add(contiguous);
        writeGlobal(out, "torch._utils", "_rebuild_tensor_v2");
        out.write(Opcodes.MARK);
        writeStorageId(out, type, key, contiguous.numel());
        save(0L);
        save(sizeTuple(contiguous));
        save(rowMajorStrides(contiguous));
        save(false);
        writeGlobal(out, "collections", "OrderedDict");
        out.write(Opcodes.EMPTY_TUPLE);
        out.write(Opcodes.REDUCE);
        out.write(Opcodes.TUPLE);
        out.write(Opcodes.REDUCE);
    }

    private void writeStorageId(OutputStream out, StorageType type, String key, long numel) throws IOException {
        out.write(Opcodes.MARK);
        save("storage");
        writeGlobal(out, "torch", type.className);
        save(key);
        save("cpu");
        save(numel);
        out.write(Opcodes.TUPLE);
        out.write(Opcodes.BINPERSID);
    }

    private static void writeGlobal(OutputStream out, String module, String name) throws IOException {
        out.write(Opcodes.GLOBAL);
        out.write((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    private static Object[] sizeTuple(Tensor t) {
        Object[] size = new Object[(int) t.dim()];
        for (int i = 0; i < size.length; i++) {
            size[i] = t.size(i);
        }
        return size;
    }

    private static Object[] rowMajorStrides(Tensor t) {
        Object[] stride = new Object[(int) t.dim()];
        long step = 1;
        for (int i = stride.length - 1; i >= 0; i--) {
            stride[i] = step;
            step *= Math.max(1, t.size(i));
        }
        return stride;
    }
}
