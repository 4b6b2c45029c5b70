package org.plscj.tensor;

import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * Native memory by block: libtorch tensors are freed when their Java handles are collected, which for a training loop is
 * never soon enough (a 300-step loop without scopes grew 817 MB → 3.3 GB). Every tensor a block makes is freed when the
 * block returns; what must outlive it is either returned through {@link #keep} or {@link #hold held} explicitly.
 *
 * <p>JavaCPP's rules this class keeps for everyone: a pointer made inside a scope is attached to the innermost open one;
 * {@code retainReference} before the scope closes keeps it alive, and the caller's scope (if any) must then take it over
 * or it waits for the garbage collector; {@code PointerScope.detach} frees, so it is never used.
 */
public final class Scoped {
    private Scoped() {}

    /** A block of tensor code; may throw what its caller throws. */
    @FunctionalInterface
    public interface Block<E extends Exception> {
        void run() throws E;
    }

    /** A block of tensor code with a result; may throw what its caller throws. */
    @FunctionalInterface
    public interface Value<T, E extends Exception> {
        T get() throws E;
    }

    /** Runs {@code block}; every tensor it makes is freed when it returns. */
    public static <E extends Exception> void run(Block<E> block) throws E {
        try (PointerScope scope = new PointerScope()) {
            block.run();
        }
    }

    /**
     * Runs {@code block} and returns its result, which must not be a tensor (a number, an array, an object holding its
     * tensors by {@link #hold}): every other tensor the block makes is freed when it returns.
     */
    public static <T, E extends Exception> T compute(Value<T, E> block) throws E {
        try (PointerScope scope = new PointerScope()) {
            return block.get();
        }
    }

    /**
     * Runs {@code block} and hands the tensor it returns to the caller's scope (freed when that one closes; with no scope
     * open, when the handle is collected); every other tensor the block makes is freed when it returns.
     */
    public static <E extends Exception> Tensor keep(Value<Tensor, E> block) throws E {
        PointerScope outer = PointerScope.getInnerScope();
        Tensor result;
        try (PointerScope scope = new PointerScope()) {
            result = block.get();
            result.retainReference();
        }
        if (outer != null) {
            outer.attach(result);
            result.releaseReference();
        }
        return result;
    }

    /**
     * Makes {@code t} outlive every scope, open or to come (a weight, a momentum buffer, a reused workspace): freed only
     * by {@link #release}. Returns {@code t}; null stays null.
     */
    public static <P extends Pointer> P hold(P t) {
        if (t != null) {
            t.retainReference();
        }
        return t;
    }

    /**
     * A held handle of its own to a tensor that points INTO a container ({@code TensorVector.get()}, a dict item's
     * {@code value()}): once the container is freed that memory is reused (a SIGSEGV in {@code TensorImpl::grad()} was
     * one), while the copy shares the tensor, not the container. Freed by {@link #release}.
     */
    public static Tensor holdHandle(Tensor element) {
        return hold(new Tensor(element));
    }

    /** Gives up one {@link #hold} of {@code t}: freed when nothing else holds it. Null is ignored. */
    public static void release(Pointer t) {
        if (t != null) {
            t.releaseReference();
        }
    }
}
