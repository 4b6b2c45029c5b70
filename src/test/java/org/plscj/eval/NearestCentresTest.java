package org.plscj.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.plscj.tensor.Native;
import org.plscj.tensor.Placement;
import org.plscj.tensor.Tensors;

class NearestCentresTest {
    private static final int CLASSES = 10_007;
    private static final int DIM = 32;
    private static final int QUERIES = 7;
    private static final int K = 5;

    @BeforeAll
    static void loadNatives() {
        Native.load();
    }

    @ParameterizedTest(name = "blockRows = {0}")
    @ValueSource(longs = {1000, 20_000, NearestCentres.DEFAULT_BLOCK_ROWS})
    void matchesTheFullScoreMatrixWhateverTheBlockSize(long blockRows) {
        try (PointerScope scope = new PointerScope()) {
            torch.manual_seed(3);
            // centres of varied norms: cosine must not depend on them
            Tensor w = Tensors.randn(Placement.CPU_FLOAT, CLASSES, DIM).mul(torch.rand(CLASSES, 1).add(Tensors.scalar(0.1)));
            Tensor q = Tensors.randn(Placement.CPU_FLOAT, QUERIES, DIM);
            NearestCentres.Result r = NearestCentres.topK(w, q, K, blockRows);

            double[][] cos = bruteForceCosines(matrix(w), matrix(q));
            for (int i = 0; i < QUERIES; i++) {
                int[] expected = topIndices(cos[i], K);
                for (int p = 0; p < K; p++) {
                    assertEquals(expected[p], r.indices()[i][p], "query " + i + " place " + p);
                    // why: cosines (scale 1) against float64: two norms and a dot product, each summing DIM float32 terms (Float32Tolerance)
                    assertEquals(cos[i][expected[p]], r.scores()[i][p], org.plscj.testing.Float32Tolerance.relative(3, DIM),
                            "query " + i + " place " + p);
                }
            }
        }
    }

    @Test
    void aPreparedIndexGivesTheSameAnswersAndNamesABrokenCentre() {
        try (PointerScope scope = new PointerScope()) {
            torch.manual_seed(4);
            Tensor w = Tensors.randn(Placement.CPU_FLOAT, 70_001, DIM).mul(torch.rand(70_001, 1).add(Tensors.scalar(0.1)));
            Tensor q = Tensors.randn(Placement.CPU_FLOAT, QUERIES, DIM);
            NearestCentres.Result direct = NearestCentres.topK(w, q, K);
            try (NearestCentres.Index index = NearestCentres.Index.of(w)) {
                NearestCentres.Result prepared = index.topK(q, K);
                assertEquals(70_001, index.size());
                for (int i = 0; i < QUERIES; i++) {
                    assertArrayEquals(direct.indices()[i], prepared.indices()[i], "query " + i);
                    assertArrayEquals(direct.scores()[i], prepared.scores()[i], 1e-6, "query " + i);
                }
            }
            w.select(0, 65_540).fill_(Tensors.scalar(Double.NaN));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NearestCentres.Index.of(w));
            assertTrue(e.getMessage().contains("class centre 65540 contains NaN or Inf"), e.getMessage());
        }
    }

    @Test
    void aZeroCentreScoresZeroAndNeverWins() {
        try (PointerScope scope = new PointerScope()) {
            torch.manual_seed(5);
            int classes = 50;
            Tensor w = Tensors.randn(Placement.CPU_FLOAT, classes, 8);
            w.select(0, 17).zero_();
            NearestCentres.Result r = NearestCentres.topK(w, Tensors.randn(Placement.CPU_FLOAT, 6, 8), classes, 16);

            for (int i = 0; i < 6; i++) {
                assertNotEquals(17L, r.indices()[i][0], "the zero centre ranks first for query " + i);
                assertTrue(Arrays.stream(r.scores()[i]).allMatch(Double::isFinite), "non-finite score for query " + i);
                int place = indexOf(r.indices()[i], 17);
                assertEquals(0.0, r.scores()[i][place], 0.0);
            }
        }
    }

    @Test
    void kEqualToTheClassCountReturnsEveryClassSortedBestFirst() {
        try (PointerScope scope = new PointerScope()) {
            torch.manual_seed(9);
            int classes = 37;
            NearestCentres.Result r = NearestCentres.topK(Tensors.randn(Placement.CPU_FLOAT, classes, 8),
                    Tensors.randn(Placement.CPU_FLOAT, 3, 8), classes, 10);

            for (int i = 0; i < 3; i++) {
                long[] sorted = r.indices()[i].clone();
                Arrays.sort(sorted);
                assertArrayEquals(IntStream.range(0, classes).asLongStream().toArray(), sorted, "query " + i);
                for (int p = 1; p < classes; p++) {
                    assertTrue(r.scores()[i][p] <= r.scores()[i][p - 1], "scores rise at place " + p + " of query " + i);
                }
            }
        }
    }

    @Test
    void rejectsKOutsideOneToTheClassCount() {
        try (PointerScope scope = new PointerScope()) {
            Tensor w = Tensors.randn(Placement.CPU_FLOAT, 4, 3);
            Tensor q = Tensors.randn(Placement.CPU_FLOAT, 2, 3);
            assertThrows(IllegalArgumentException.class, () -> NearestCentres.topK(w, q, 0));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NearestCentres.topK(w, q, 5));
            assertTrue(e.getMessage().contains("k must be in [1, 4]"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> NearestCentres.topK(w, Tensors.randn(Placement.CPU_FLOAT, 2, 4), 1));
        }
    }

    @Test
    void aNonFiniteCentreOrQueryIsRejectedNamingItsRow() {
        try (PointerScope scope = new PointerScope()) {
            Tensor w = Tensors.randn(Placement.CPU_FLOAT, 25, 3);
            Tensor q = Tensors.randn(Placement.CPU_FLOAT, 2, 3);
            w.put_(Tensor.create(17L * 3 + 1), Tensor.create(Float.NaN));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NearestCentres.topK(w, q, 3, 10));
            assertTrue(e.getMessage().contains("class centre 17 contains NaN or Inf"), e.getMessage());
            Tensor goodW = Tensors.randn(Placement.CPU_FLOAT, 25, 3);
            q.put_(Tensor.create(4L), Tensor.create(Float.POSITIVE_INFINITY));
            e = assertThrows(IllegalArgumentException.class, () -> NearestCentres.topK(goodW, q, 3));
            assertTrue(e.getMessage().contains("query 1 contains NaN or Inf"), e.getMessage());
        }
    }

    // cos[i][c] = <q_i, w_c> / (|q_i| |w_c|), in double
    private static double[][] bruteForceCosines(double[][] w, double[][] q) {
        double[][] cos = new double[q.length][w.length];
        for (int i = 0; i < q.length; i++) {
            for (int c = 0; c < w.length; c++) {
                double dot = 0, nq = 0, nw = 0;
                for (int j = 0; j < q[i].length; j++) {
                    dot += q[i][j] * w[c][j];
                    nq += q[i][j] * q[i][j];
                    nw += w[c][j] * w[c][j];
                }
                cos[i][c] = dot / Math.sqrt(nq * nw);
            }
        }
        return cos;
    }

    private static int[] topIndices(double[] scores, int k) {
        return IntStream.range(0, scores.length).boxed()
                .sorted(Comparator.comparingDouble((Integer c) -> scores[c]).reversed())
                .limit(k).mapToInt(Integer::intValue).toArray();
    }

    private static double[][] matrix(Tensor t) {
        double[] flat = Tensors.toDoubleArray(t);
        int cols = (int) t.size(1);
        double[][] out = new double[(int) t.size(0)][];
        for (int r = 0; r < out.length; r++) {
            out[r] = Arrays.copyOfRange(flat, r * cols, (r + 1) * cols);
        }
        return out;
    }

    private static int indexOf(long[] values, long wanted) {
        for (int p = 0; p < values.length; p++) {
            if (values[p] == wanted) {
                return p;
            }
        }
        throw new AssertionError(wanted + " not among " + Arrays.toString(values));
    }
}
