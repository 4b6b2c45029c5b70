package org.plscj.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.plscj.tensor.Native;
import org.plscj.tensor.Placement;
import org.plscj.tensor.Tensors;
import org.plscj.testing.Float32Tolerance;

/** {@link NearestCentres.Index}: a batch in one pass, in fp32, fp16 or int8, against the full score matrix. */
class CentreIndexTest {
    // more classes than one fp32 block (16,384) and than several converted blocks (4,096): the merge across blocks runs
    private static final int CLASSES = 40_009;
    private static final int DIM = 64;
    private static final int QUERIES = 9;
    private static final int K = 5;

    @BeforeAll
    static void loadNatives() {
        Native.load();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(CentreStorage.class)
    void aBatchGivesEveryQueryTheAnswerItGetsAlone(CentreStorage storage) {
        try (PointerScope scope = new PointerScope()) {
            torch.manual_seed(11);
            Tensor w = Tensors.randn(Placement.CPU_FLOAT, CLASSES, DIM);
            Tensor q = nearCentres(w, 17);
            try (NearestCentres.Index index = NearestCentres.Index.of(w, storage)) {
                NearestCentres.Result batch = index.topK(q, K);
                for (int i = 0; i < QUERIES; i++) {
                    NearestCentres.Result alone = index.topK(q.narrow(0, i, 1), K);
                    assertEquals(alone.indices()[0][0], batch.indices()[i][0], storage + " query " + i);
                    for (int p = 0; p < K; p++) {
                        // a single query takes the matrix-vector path, a batch the GEMM: they sum in other orders (fp32), and
                        // for fp16 the single query is also rounded to fp16 (both within the storage's bound of the exact score)
                        assertEquals(batch.scores()[i][p], alone.scores()[0][p], bound(storage) * 2, storage + " query " + i + " place " + p);
                    }
                }
            }
        }
    }

    @Test
    void fp32EqualsTheFullScoreMatrix() {
        try (PointerScope scope = new PointerScope()) {
            torch.manual_seed(12);
            // centres of varied norms: the index normalises them once
            Tensor w = Tensors.randn(Placement.CPU_FLOAT, CLASSES, DIM).mul(torch.rand(CLASSES, 1).add(Tensors.scalar(0.1)));
            Tensor q = Tensors.randn(Placement.CPU_FLOAT, QUERIES, DIM);
            Tensor full = q.div(Tensors.col(Tensors.rowNorms(q))).matmul(w.div(Tensors.col(Tensors.rowNorms(w))).t()).to(torch.ScalarType.Double);
            Tensor expected = full.topk(K, 1, true, true).get0();
            Tensor expectedIndices = full.topk(K, 1, true, true).get1();
            try (NearestCentres.Index index = NearestCentres.Index.of(w)) {
                NearestCentres.Result r = index.topK(q, K);
                double[] e = Tensors.toDoubleArray(expected);
                long[] ei = Tensors.toLongArray(expectedIndices);
                for (int i = 0; i < QUERIES; i++) {
                    for (int p = 0; p < K; p++) {
                        // why: unit-scale cosines, both sides fp32 sums of DIM products after two normalisations (Float32Tolerance)
                        assertEquals(e[i * K + p], r.scores()[i][p], Float32Tolerance.relative(3, DIM), "query " + i + " place " + p);
                        assertEquals(ei[i * K + p], r.indices()[i][p], "query " + i + " place " + p);
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = CentreStorage.class, names = {"FP16", "INT8"})
    void narrowerCentresFindTheSameBestClassWithinTheQuantisationBound(CentreStorage storage) {
        try (PointerScope scope = new PointerScope()) {
            torch.manual_seed(13);
            Tensor w = Tensors.randn(Placement.CPU_FLOAT, CLASSES, DIM);
            Tensor unit = w.div(Tensors.col(Tensors.rowNorms(w)));
            double[] scales = Tensors.toDoubleArray(CentreStorage.int8Scales(unit));
            for (Tensor q : new Tensor[] {nearCentres(w, 21), nearCentres(w, 22).narrow(0, 0, 1)}) {
                Tensor exact = q.div(Tensors.col(Tensors.rowNorms(q))).matmul(unit.t());
                int m = (int) q.size(0);
                try (NearestCentres.Index exactIndex = NearestCentres.Index.of(w); NearestCentres.Index index = NearestCentres.Index.of(w, storage)) {
                    NearestCentres.Result want = exactIndex.topK(q, K);
                    NearestCentres.Result got = index.topK(q, K);
                    for (int i = 0; i < m; i++) {
                        assertEquals(want.indices()[i][0], got.indices()[i][0], storage + ": the well-separated best class of query " + i);
                        for (int p = 0; p < K; p++) {
                            long c = got.indices()[i][p];
                            double exactScore = exact.select(0, i).select(0, c).item_double();
                            double allowed = (storage == CentreStorage.INT8 ? CentreStorage.int8Bound(scales[(int) c], DIM) : CentreStorage.fp16Bound(DIM))
                                    + Float32Tolerance.relative(3, DIM);
                            assertTrue(Math.abs(got.scores()[i][p] - exactScore) <= allowed, storage + " query " + i + " class " + c + ": "
                                    + got.scores()[i][p] + " vs exact " + exactScore + ", bound " + allowed);
                        }
                    }
                }
            }
        }
    }

    @Test
    void int8CentresAsABundleStoresThemScoreLikeOnesQuantisedHere() {
        try (PointerScope scope = new PointerScope()) {
            torch.manual_seed(14);
            Tensor w = Tensors.randn(Placement.CPU_FLOAT, 5_000, DIM);
            Tensor unit = w.div(Tensors.col(Tensors.rowNorms(w)));
            Tensor scales = CentreStorage.int8Scales(unit);
            Tensor q = nearCentres(w, 23);
            try (NearestCentres.Index here = NearestCentres.Index.of(w, CentreStorage.INT8);
                    NearestCentres.Index stored = NearestCentres.Index.ofStored(CentreStorage.int8Codes(unit, scales), scales)) {
                NearestCentres.Result a = here.topK(q, K);
                NearestCentres.Result b = stored.topK(q, K);
                for (int i = 0; i < QUERIES; i++) {
                    assertEquals(a.indices()[i][0], b.indices()[i][0]);
                    // the same codes, the same arithmetic
                    assertEquals(a.scores()[i][0], b.scores()[i][0], 0.0);
                }
                assertEquals(DIM + 4, stored.bytesPerClass(), "int8: one byte a value and the row's 1/‖codes‖");
            }
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> NearestCentres.Index.ofInt8(CentreStorage.int8Codes(unit, scales), scales.narrow(0, 0, 10)));
            assertTrue(e.getMessage().contains("one scale per row"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> NearestCentres.Index.ofInt8(CentreStorage.int8Codes(unit, scales), scales.index_fill(0, Tensors.longs(Placement.CPU_FLOAT, new long[] {7}), Tensors.scalar(0))));
            assertTrue(e.getMessage().contains("centre 7"), e.getMessage());
        }
    }

    @Test
    void theIndexHoldsTheStoragesWidthPerValue() {
        try (PointerScope scope = new PointerScope()) {
            Tensor w = Tensors.randn(Placement.CPU_FLOAT, 100, DIM);
            try (NearestCentres.Index fp32 = NearestCentres.Index.of(w); NearestCentres.Index fp16 = NearestCentres.Index.of(w.to(torch.ScalarType.Half))) {
                assertEquals(4L * DIM, fp32.bytesPerClass());
                assertEquals(CentreStorage.FP16, fp16.storage(), "fp16 centres (an fp16 bundle) stay fp16");
                assertEquals(2L * DIM, fp16.bytesPerClass());
            }
        }
    }

    /** Bound on |score − exact| for one score, apart from fp32 summation (int8: the largest row scale of unit gaussian rows). */
    private static double bound(CentreStorage storage) {
        return switch (storage) {
            case FP32 -> Float32Tolerance.relative(3, DIM);
            case FP16 -> CentreStorage.fp16Bound(DIM) + Float32Tolerance.relative(3, DIM);
            // why 1: a unit row's largest value is at most 1, so its scale at most 1/127
            case INT8 -> CentreStorage.int8Bound(1 / CentreStorage.INT8_MAX, DIM) + Float32Tolerance.relative(3, DIM);
        };
    }

    /**
     * Queries that each lie close to one centre (a centre plus 5 % noise): their best class is well separated from the
     * second (random unit rows of DIM = 64 have cosines of about ±0.125, the near centre ≈ 0.999).
     */
    private static Tensor nearCentres(Tensor w, long seed) {
        torch.manual_seed(seed);
        Tensor picked = w.index_select(0, torch.randint(w.size(0), new long[] {QUERIES}));
        Tensor unit = picked.div(Tensors.col(Tensors.rowNorms(picked)));
        return unit.add(Tensors.randn(Placement.CPU_FLOAT, QUERIES, DIM).mul(Tensors.scalar(0.05 / Math.sqrt(DIM))));
    }
}
