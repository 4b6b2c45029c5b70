package org.plscj.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The one path between Java arrays and tensors: shapes checked, a longer reused buffer allowed, offsets honoured. */
class ArrayCopiesTest {
    @BeforeAll
    static void load() {
        Native.load();
    }

    @Test
    void floatsTakesTheFirstElementsOfALongerBufferInRowMajorOrder() {
        float[] buffer = {1, 2, 3, 4, 5, 6, 99};
        Scoped.run(() -> {
            float[] back = Tensors.toFloatArray(Tensors.floats(buffer, 2, 3).t());
            assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, back, "the transpose of [[1,2,3],[4,5,6]]");
        });
    }

    @Test
    void floatsRefusesABufferShorterThanTheShapeNamingBoth() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tensors.floats(new float[5], 2, 3));
        assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("needs 6 floats, got 5"), e.getMessage());
    }

    @Test
    void copyIntoWritesAtTheOffsetAndLeavesTheRestAlone() {
        float[] out = {-1, -1, -1, -1};
        Scoped.run(() -> Tensors.copyInto(Tensors.doubles(new double[] {0.5, 0.25}), out, 1));
        assertArrayEquals(new float[] {-1, 0.5f, 0.25f, -1}, out);
    }

    @Test
    void dtypeComparesWithTheEnumConstants() {
        Scoped.run(() -> assertSame(ScalarType.Double, Tensors.dtype(Tensors.doubles(new double[] {1}))));
    }
}
