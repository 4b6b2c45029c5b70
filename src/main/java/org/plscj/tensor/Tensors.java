package org.plscj.tensor;

import java.nio.ByteBuffer;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The thin facade over the JavaCPP libtorch API: the handful of operations the head and the
 * tools use, named so that the calling code reads like the formula above it.
 * Every result is a new native object owned by the caller's {@code PointerScope}.
 */
public final class Tensors {
    private Tensors() {}

    public static Scalar scalar(double v) {
        return new Scalar(v);
    }

    /** An integer scalar: added to an int64 tensor it stays int64 (a {@link #scalar(double)} would promote it to float32). */
    public static Scalar integer(long v) {
        return new Scalar(v);
    }

    public static Tensor zeros(Placement at, long... shape) {
        return torch.zeros(shape, at.floats());
    }

    public static Tensor empty(Placement at, long... shape) {
        return torch.empty(shape, at.floats(), null);
    }

    /** Standard normal values from the global generator (seed it with {@code manual_seed}). */
    public static Tensor randn(Placement at, long... shape) {
        return torch.randn(shape, at.floats());
    }

    /**
     * A float32 CPU tensor of {@code shape} holding the first ∏shape of {@code values} (a reused buffer may be longer):
     * one copy into native memory.
     */
    public static Tensor floats(float[] values, long... shape) {
        Tensor t = torch.empty(shape, new TensorOptions(ScalarType.Float), null);
        int n = Math.toIntExact(t.numel());
        if (values.length < n) {
            throw new IllegalArgumentException("a tensor of shape " + java.util.Arrays.toString(shape) + " needs " + n + " floats, got "
                    + values.length);
        }
        if (n > 0) {
            t.data_ptr_float().put(values, 0, n);
        }
        return t;
    }

    /** A float64 CPU tensor of {@code shape} (1-D when none is given) holding {@code values}. */
    public static Tensor doubles(double[] values, long... shape) {
        return shape.length == 0 ? Tensor.create(values) : Tensor.create(values, shape);
    }

    /** A copy of a tensor's values as float32 (moves to the CPU first when needed). */
    public static float[] toFloatArray(Tensor t) {
        float[] out = new float[Math.toIntExact(t.numel())];
        copyInto(t, out, 0);
        return out;
    }

    /** Copies a tensor's values as float32 into {@code out} from {@code offset} (moves to the CPU first when needed). */
    public static void copyInto(Tensor t, float[] out, int offset) {
        Tensor host = t.to(ScalarType.Float).contiguous().cpu();
        if (host.numel() > 0) {
            host.data_ptr_float().get(out, offset, Math.toIntExact(host.numel()));
        }
    }

    /**
     * The element type of {@code t}. Why not {@code t.scalar_type()} itself: JavaCPP makes a new enum-like object for each
     * call, so comparing it with {@code ==} fails unless it is interned.
     */
    public static ScalarType dtype(Tensor t) {
        return t.scalar_type().intern();
    }

    /** An int64 tensor holding {@code values}, on {@code at}'s device. */
    public static Tensor longs(Placement at, long[] values) {
        Tensor host = Tensor.create(values);
        return at.isCpu() ? host : host.to(at.longs(), false, false, null);
    }

    /** A 1-D uint8 tensor holding {@code values}. */
    public static Tensor bytes(byte[] values) {
        Tensor t = torch.empty(new long[] {values.length}, new TensorOptions(ScalarType.Byte), null);
        if (values.length > 0) {
            new BytePointer(t.data_ptr()).capacity(values.length).put(values);
        }
        return t;
    }

    /** The bytes of a uint8 tensor. */
    public static byte[] toByteArray(Tensor t) {
        Tensor c = t.contiguous();
        byte[] out = new byte[(int) c.numel()];
        if (out.length > 0) {
            new BytePointer(c.data_ptr()).capacity(out.length).get(out);
        }
        return out;
    }

    /** A copy of a tensor's values in a Java array (moves to the CPU first when needed). */
    public static long[] toLongArray(Tensor t) {
        Tensor host = t.to(ScalarType.Long).contiguous().cpu();
        long[] out = new long[(int) host.numel()];
        if (out.length > 0) {
            host.data_ptr_long().get(out);
        }
        return out;
    }

    public static double[] toDoubleArray(Tensor t) {
        Tensor host = t.to(ScalarType.Double).contiguous().cpu();
        double[] out = new double[(int) host.numel()];
        if (out.length > 0) {
            host.data_ptr_double().get(out);
        }
        return out;
    }

    /** The sizes of every dimension. */
    public static long[] shape(Tensor t) {
        long[] out = new long[(int) t.dim()];
        for (int i = 0; i < out.length; i++) {
            out[i] = t.size(i);
        }
        return out;
    }

    /** Rows [lo, lo + n) of a matrix, as a view. */
    /**
     * The same images [B, C, H, W] stored channels-last (NHWC): oneDNN's native layout, so its convolutions need no
     * reorder into and out of a blocked layout, and the result of each keeps the layout for the next.
     */
    public static Tensor channelsLast(Tensor images) {
        return images.contiguous(torch.MemoryFormat.ChannelsLast);
    }

    /**
     * {@code t} with elements of {@code type} on its own device: {@code t} itself when it already has that type, else a
     * converted copy (to a narrower type such as bfloat16 it rounds to nearest, ties to even).
     */
    public static Tensor as(Tensor t, ScalarType type) {
        return dtype(t) == type ? t : t.to(new TensorOptions().dtype(new ScalarTypeOptional(type)), false, false, null);
    }

    /** {@code t} on {@code at}'s device with elements of {@code type} in one conversion (no float32 copy on the way); a copy when {@code copy}. */
    public static Tensor to(Tensor t, Placement at, ScalarType type, boolean copy) {
        return t.to(at.floats().dtype(new ScalarTypeOptional(type)), false, copy, null);
    }

    /** An uninitialised tensor on {@code at}'s device with elements of {@code type} (its placement's dtype notwithstanding). */
    public static Tensor empty(Placement at, ScalarType type, long... shape) {
        return torch.empty(shape, at.floats().dtype(new ScalarTypeOptional(type)), null);
    }

    /** Zeros on {@code at}'s device with elements of {@code type}. */
    public static Tensor zeros(Placement at, ScalarType type, long... shape) {
        return empty(at, type, shape).zero_();
    }

    public static Tensor rows(Tensor t, long lo, long n) {
        return t.narrow(0, lo, n);
    }

    /** ‖t_i‖₂ for every row i, shape [rows]. */
    public static Tensor rowNorms(Tensor t) {
        return torch.linalg_vector_norm(t, scalar(2), new long[] {1}, false, new ScalarTypeOptional());
    }

    /** max_j t_ij for every row i, shape [rows]. */
    public static Tensor rowMax(Tensor t) {
        return t.amax(new long[] {1}, false);
    }

    /** Σ_j t_ij for every row i, shape [rows]. */
    public static Tensor rowSum(Tensor t) {
        return t.sum(new long[] {1}, false, new ScalarTypeOptional());
    }

    /** Σ_i t_ij for every column j, shape [cols]. */
    public static Tensor colSum(Tensor t) {
        return t.sum(new long[] {0}, false, new ScalarTypeOptional());
    }

    /** ⟨a_i, b_i⟩ for every row i of two matrices of the same shape, shape [rows]. */
    public static Tensor rowDots(Tensor a, Tensor b) {
        // why: bmm over [rows, 1, D]·[rows, D, 1] issues one tiny GEMM per row (measured 5–10x slower)
        return rowSum(a.mul(b));
    }

    /** A column vector view [n, 1] of a vector, for row-wise broadcasting. */
    public static Tensor col(Tensor v) {
        return v.unsqueeze(1);
    }

    /** A row vector view [1, n] of a vector, for column-wise broadcasting. */
    public static Tensor row(Tensor v) {
        return v.unsqueeze(0);
    }

    /** out ← a·bᵀ (out must be contiguous of shape [a.rows, b.rows]). */
    public static void mmTransposedInto(Tensor out, Tensor a, Tensor b) {
        torch.mm_out(out, a, b.t());
    }

    /** Largest |t| over all elements, as a double. */
    public static double maxAbs(Tensor t) {
        return t.numel() == 0 ? 0.0 : t.abs().max().item_double();
    }

    /** No NaN and no ±Inf in a floating-point tensor. */
    public static boolean allFinite(Tensor t) {
        // why max and min: a NaN propagates through torch's max/min and an Inf is an extreme, and neither reduction
        // allocates a tensor of t's size (isfinite() would: 0.5 GB for a 1M × 512 head shard)
        return t.numel() == 0 || (Double.isFinite(t.max().item_double()) && Double.isFinite(t.min().item_double()));
    }

    /** Concatenates vectors/matrices along dimension 0. */
    public static Tensor cat0(Tensor... ts) {
        return torch.cat(new TensorVector(ts), 0);
    }

    /**
     * {@code length} bytes of a contiguous CPU tensor's memory from byte {@code offset}, as a buffer to read or write in
     * place (no copy; valid while the tensor lives). Windows, not one view: a ByteBuffer holds at most 2 GiB.
     */
    public static ByteBuffer byteWindow(Tensor contiguous, long offset, int length) {
        return new BytePointer(contiguous.data_ptr()).capacity(offset + length).position(offset).limit(offset + length).asByteBuffer();
    }
}
