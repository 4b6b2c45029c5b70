package org.plscj.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Native memory by block: what a block makes is freed when it ends, unless kept or held. */
class ScopedTest {
    @BeforeAll
    static void load() {
        Native.load();
    }

    @Test
    void aTensorMadeInsideRunIsFreedWhenTheBlockReturns() {
        List<Tensor> made = new ArrayList<>();
        Scoped.run(() -> made.add(Tensors.zeros(Placement.CPU_FLOAT, 4)));
        assertTrue(made.get(0).isNull(), "freed: its address is cleared");
    }

    @Test
    void computeReturnsAPlainValueAndFreesTheTensorsItUsed() {
        List<Tensor> made = new ArrayList<>();
        double[] values = Scoped.compute(() -> {
            Tensor t = Tensors.longs(Placement.CPU_FLOAT, new long[] {3, 4});
            made.add(t);
            return Tensors.toDoubleArray(t.mul(t));
        });
        assertArrayEquals(new double[] {9, 16}, values);
        assertTrue(made.get(0).isNull());
    }

    @Test
    void keepHandsItsResultToTheCallersScopeAndFreesEverythingElse() {
        List<Tensor> temporaries = new ArrayList<>();
        Tensor[] kept = new Tensor[1];
        Scoped.run(() -> {
            kept[0] = Scoped.keep(() -> {
                Tensor a = Tensors.longs(Placement.CPU_FLOAT, new long[] {1, 2});
                temporaries.add(a);
                return a.add(a);
            });
            assertTrue(temporaries.get(0).isNull(), "the block's temporary is freed at once");
            assertArrayEquals(new long[] {2, 4}, Tensors.toLongArray(kept[0]), "the result lives on in the caller's scope");
        });
        assertTrue(kept[0].isNull(), "freed with the caller's scope");
    }

    @Test
    void aHeldTensorOutlivesTheScopeThatMadeItUntilReleased() {
        Tensor held = Scoped.compute(() -> Scoped.hold(Tensors.longs(Placement.CPU_FLOAT, new long[] {7})));
        assertEquals(7, Tensors.toLongArray(held)[0]);
        Scoped.release(held);
        assertTrue(held.isNull());
    }
}
