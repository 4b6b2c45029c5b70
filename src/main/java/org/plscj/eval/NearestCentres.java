package org.plscj.eval;

import static org.plscj.tensor.Tensors.col;
import static org.plscj.tensor.Tensors.rowNorms;
import static org.plscj.tensor.Tensors.rows;
import static org.plscj.tensor.Tensors.scalar;

import org.bytedeco.pytorch.T_TensorTensor_T;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.plscj.tensor.Native;
import org.plscj.tensor.Scoped;
import org.plscj.tensor.Tensors;

/**
 * "Which of my million classes is this?": the top-k class centres of each query embedding by
 * cosine similarity, computed blockwise over the classes so that no [queries, classes] matrix
 * is ever materialised (peak extra memory is one [queries, blockRows] score block).
 *
 * <p>cos(q, w) = q·w / (‖q‖·‖w‖); a zero centre (or zero query) scores 0, never NaN. Scores are
 * computed in the centres' dtype, on their device. Among equal scores the order (and, at the k-th
 * place, which of them is kept) is whatever libtorch's {@code topk} gives: unspecified.
 */
public final class NearestCentres {
    /** Class rows scored per block unless the caller asks otherwise. */
    public static final long DEFAULT_BLOCK_ROWS = 65_536;

    private NearestCentres() {}

    /**
     * The best classes of every query, best first.
     *
     * @param indices {@code indices[i][r]}: the class (row of the centres) at place r for query i
     * @param scores {@code scores[i][r]}: its cosine similarity
     */
    public record Result(long[][] indices, double[][] scores) {}

    /** {@link #topK(Tensor, Tensor, int, long)} with blocks of {@value #DEFAULT_BLOCK_ROWS} classes. */
    public static Result topK(Tensor centres, Tensor queries, int k) {
        return topK(centres, queries, k, DEFAULT_BLOCK_ROWS);
    }

    /**
     * The {@code k} classes of highest cosine similarity for every query.
     *
     * @param centres class centres W [C, D], rows need not be normalised
     * @param queries query embeddings Q [M, D], on W's device (converted to W's dtype)
     * @param k classes per query, {@code 1 <= k <= C}
     * @param blockRows classes scored at once (at least 1)
     * @throws IllegalArgumentException on non-matrix inputs, differing D, k outside [1, C],
     *     {@code blockRows < 1}, or a NaN/Inf in a query or a centre (naming its row)
     */
    public static Result topK(Tensor centres, Tensor queries, int k, long blockRows) {
        Native.load();
        check(centres, queries, k, blockRows);
        return search(centres, queries, k, blockRows);
    }

    /**
     * Class centres checked for NaN/Inf, normalised once and kept in a {@link CentreStorage} (a server's class centres):
     * a BATCH of queries then costs one pass over the centres — per block of rows one fp32 GEMM (an fp16 or int8 block is
     * first converted into a reused fp32 buffer that stays in cache) and a running top-k merge — so grouping concurrent
     * queries shares the memory traffic, which is what bounds the time of a search over a million classes.
     *
     * <p>Memory: holds per class D values of the storage's width, plus 4 bytes (int8: the row's 1/‖codes‖); a search
     * holds the queries, an fp32 score block [queries, blockRows], for fp16/int8 an fp32 row block [blockRows, D] (not a
     * single fp16 query), and
     * the running top-k [queries, k] — never a [queries, classes] matrix. Searches may run concurrently (each has its
     * own buffers) until {@link #close}.
     */
    public static final class Index implements AutoCloseable {
        /** Rows per block when the centres need no conversion: the score block [32, 16384] is 2 MiB. */
        static final long FP32_BLOCK_ROWS = 16_384;
        /** Rows per block of a single query read without conversion: a [65536] score vector; fewer blocks, less overhead. */
        static final long SINGLE_BLOCK_ROWS = 65_536;
        /** Rows per block converted to fp32 before the GEMM: [4096, 512] fp32 is 8 MiB; smaller blocks converted slower. */
        static final long CONVERTED_BLOCK_ROWS = 4_096;

        private final CentreStorage storage;
        private final Tensor stored;
        // int8 only: 1/‖codes_c‖ [C], so a score is (q̂·codes_c)/‖codes_c‖, the cosine with the stored centre
        private final Tensor inverseNorms;
        private Index(CentreStorage storage, Tensor stored, Tensor inverseNorms) {
            this.storage = storage;
            this.stored = stored;
            this.inverseNorms = inverseNorms;
        }

        /** Whether a search of {@code queries} converts each block to fp32 (a single fp16 query is scored in fp16). */
        private boolean converts(int queries) {
            return storage == CentreStorage.INT8 || (storage == CentreStorage.FP16 && queries > 1);
        }

        /** Rows scored per block for a batch of {@code queries}. */
        private long blockRows(int queries) {
            return converts(queries) ? CONVERTED_BLOCK_ROWS : queries == 1 ? SINGLE_BLOCK_ROWS : FP32_BLOCK_ROWS;
        }

        /**
         * Checks and normalises {@code centres} (the same rules as {@link #topK}: a NaN/Inf row is named), kept fp16 when
         * they are fp16 (a bundle exported with {@code --centres fp16}), fp32 otherwise.
         */
        public static Index of(Tensor centres) {
            return of(centres, Tensors.dtype(centres) == ScalarType.Half ? CentreStorage.FP16 : CentreStorage.FP32);
        }

        /** Checks and normalises {@code centres} [C, D] in fp32, then keeps them in {@code storage}. */
        public static Index of(Tensor centres, CentreStorage storage) {
            Native.load();
            requireMatrix(centres, "centres");
            long classes = centres.size(0);
            ScalarType dtype = switch (storage) {
                case FP32 -> ScalarType.Float;
                case FP16 -> ScalarType.Half;
                case INT8 -> ScalarType.Char;
            };
            return Scoped.compute(() -> {
                Tensor kept = Scoped.hold(torch.empty(Tensors.shape(centres), new TensorOptions(dtype), null));
                Tensor inverseNorms = storage == CentreStorage.INT8 ? Scoped.hold(torch.empty(new long[] {classes}, new TensorOptions(ScalarType.Float), null)) : null;
                for (long start = 0; start < classes; start += DEFAULT_BLOCK_ROWS) {
                    long first = start;
                    long n = Math.min(DEFAULT_BLOCK_ROWS, classes - first);
                    Scoped.run(() -> {
                        Tensor block = rows(centres, first, n).to(ScalarType.Float);
                        requireFinite(block, first, "class centre");
                        Tensor unit = normalisedRows(block);
                        if (storage == CentreStorage.INT8) {
                            Tensor codes = CentreStorage.int8Codes(unit, CentreStorage.int8Scales(unit));
                            rows(kept, first, n).copy_(codes);
                            rows(inverseNorms, first, n).copy_(inverseRowNorms(codes));
                        } else {
                            rows(kept, first, n).copy_(unit);
                        }
                    });
                }
                return new Index(storage, kept, inverseNorms);
            });
        }

        /**
         * Int8 centres as a bundle stores them: {@code codes} [C, D] (int8) of unit rows with their per-row {@code scales} [C]
         * (w ≈ codes·scale). The scales are checked (finite, positive) but not needed: a cosine does not depend on a row's
         * scale, so the index scores against codes/‖codes‖.
         */
        public static Index ofInt8(Tensor codes, Tensor scales) {
            Native.load();
            requireMatrix(codes, "int8 centres");
            if (Tensors.dtype(codes) != ScalarType.Char) {
                throw new IllegalArgumentException("int8 centres must be int8, got " + Tensors.dtype(codes));
            }
            if (scales.dim() != 1 || scales.size(0) != codes.size(0)) {
                throw new IllegalArgumentException("int8 centres need one scale per row: expected shape [" + codes.size(0) + "], got "
                        + java.util.Arrays.toString(Tensors.shape(scales)));
            }
            return Scoped.compute(() -> {
                Tensor s = scales.to(ScalarType.Float);
                requireFinite(Tensors.col(s), 0, "int8 scale of class centre");
                if (s.numel() > 0 && s.min().item_double() <= 0) {
                    throw new IllegalArgumentException("int8 scale of class centre " + Tensors.toLongArray(s.le(scalar(0)).nonzero().select(1, 0))[0]
                            + " is not positive");
                }
                Tensor kept = Scoped.hold(codes.contiguous().clone());
                Tensor inverseNorms = Scoped.hold(torch.empty(new long[] {codes.size(0)}, new TensorOptions(ScalarType.Float), null));
                for (long start = 0; start < codes.size(0); start += DEFAULT_BLOCK_ROWS) {
                    long first = start;
                    long n = Math.min(DEFAULT_BLOCK_ROWS, codes.size(0) - first);
                    Scoped.run(() -> rows(inverseNorms, first, n).copy_(inverseRowNorms(rows(kept, first, n))));
                }
                return new Index(CentreStorage.INT8, kept, inverseNorms);
            });
        }

        /** Centres as a bundle stores them: int8 codes with their {@code scales}, or fp16/fp32 rows ({@code scales} null). */
        public static Index ofStored(Tensor centres, Tensor scales) {
            return Tensors.dtype(centres) == ScalarType.Char ? ofInt8(centres, scales) : of(centres);
        }

        public long size() {
            return stored.size(0);
        }

        public long dim() {
            return stored.size(1);
        }

        public CentreStorage storage() {
            return storage;
        }

        /** Bytes held per class: D values of the storage's width, plus the int8 row's 1/‖codes‖. */
        public long bytesPerClass() {
            return dim() * storage.bytesPerValue() + (inverseNorms == null ? 0 : Float.BYTES);
        }

        /** Bytes one search of {@code queries} queries holds besides its inputs and answer (see the class comment). */
        public long bytesPerSearch(int queries) {
            long blockRows = blockRows(queries);
            return (long) queries * blockRows * Float.BYTES + (converts(queries) ? blockRows * dim() * Float.BYTES : 0);
        }

        /**
         * A plain streaming read of every byte the index holds for its centres (their memory summed as fp32 values): the
         * bandwidth floor a pass over the centres is measured against ({@code plsc bench serve}). Returns the sum, so the
         * read cannot be skipped; its value means nothing.
         */
        public double streamingRead() {
            return Scoped.compute(() -> stored.view(ScalarType.Float).sum().item_double());
        }

        /**
         * {@link NearestCentres#topK(Tensor, Tensor, int)} over the prepared centres, for every query of the batch in one
         * pass over the centres.
         */
        public Result topK(Tensor queries, int k) {
            long classes = size();
            int m = (int) queries.size(0);
            long blockRows = blockRows(m);
            check(stored, queries, k, blockRows);
            return Scoped.compute(() -> {
                requireFinite(queries, 0, "query");
                Tensor qHat = normalisedRows(queries.to(ScalarType.Float));
                Tensor scoreBuffer = torch.empty(new long[] {m, blockRows}, new TensorOptions(ScalarType.Float), null);
                // why a vector for one query: libtorch's matrix-vector kernels stream the rows near memory speed (the fp16 one
                // included, converting in registers), where a 1-row GEMM ran 3x slower (BENCHMARKS.md, issue 13). Not int8 rows
                // through that fp16 kernel: converting a block int8 → fp16 ran 2x slower than int8 → fp32
                Tensor rowBuffer = !converts(m) ? null
                        : torch.empty(new long[] {blockRows, dim()}, new TensorOptions(ScalarType.Float), null);
                Tensor q = m != 1 ? null : storage == CentreStorage.FP16 ? qHat.select(0, 0).to(ScalarType.Half) : qHat.select(0, 0);
                return search(classes, blockRows, qHat, k, (first, n) -> {
                    Tensor block = rows(stored, first, n);
                    Tensor w = rowBuffer == null ? block : rows(rowBuffer, 0, n).copy_(block);
                    Tensor scores = scoreBuffer.narrow(1, 0, n);
                    if (q == null) {
                        Tensors.mmTransposedInto(scores, qHat, w);
                    } else if (Tensors.dtype(w) == ScalarType.Half) {
                        scores.select(0, 0).copy_(torch.mv(w, q));
                    } else {
                        torch.mv_out(scores.select(0, 0), w, q);
                    }
                    return inverseNorms == null ? scores : scores.mul_(Tensors.row(rows(inverseNorms, first, n)));
                });
            });
        }

        @Override
        public void close() {
            Scoped.release(stored);
            if (inverseNorms != null) {
                Scoped.release(inverseNorms);
            }
        }
    }

    /** The scores [M, n] of the normalised queries against class rows [first, first + n). */
    private interface BlockScores {
        Tensor of(long first, long n);
    }

    private static Result search(Tensor centres, Tensor queries, int k, long blockRows) {
        return Scoped.compute(() -> {
            requireFinite(queries, 0, "query");
            Tensor qHat = normalisedRows(queries.to(centres));
            return search(centres.size(0), blockRows, qHat, k, (first, n) -> {
                Tensor rows = rows(centres, first, n);
                // why: topk ranks NaN above every score, so one broken centre would win every query
                requireFinite(rows, first, "class centre");
                return qHat.matmul(normalisedRows(rows).t());
            });
        });
    }

    private static Result search(long classes, long blockRows, Tensor qHat, int k, BlockScores blocks) {
        int m = (int) qHat.size(0);
        // the running top-k starts at -inf so the first k real candidates displace it
        // (every real score is finite, and C >= k guarantees k of them)
        long[] shape = {m, k};
        Tensor bestScores = torch.full(shape, scalar(Double.NEGATIVE_INFINITY)).to(qHat);
        Tensor bestIndices = torch.full(shape, scalar(-1)).to(qHat.device(), ScalarType.Long);
        for (long start = 0; start < classes; start += blockRows) {
            // why a scope per block: otherwise every block's temporaries stay allocated until the whole search ends
            long first = start;
            Scoped.run(() -> mergeBlock(blocks.of(first, Math.min(blockRows, classes - first)), first, k, bestScores, bestIndices));
        }
        return new Result(reshape(Tensors.toLongArray(bestIndices), m, k), reshapeDoubles(Tensors.toDoubleArray(bestScores), m, k));
    }

    // Only queries whose best score in the block beats their k-th best so far can change: the others are skipped after
    // one max per row (a top-k of every row of every block cost more than the GEMM). For those, the block's top
    // min(k, n), indices offset by the block start, merged with the running top-k: topk over [h, k + min(k, n)].
    private static void mergeBlock(Tensor scores, long start, int k, Tensor bestScores, Tensor bestIndices) {
        Tensor hot = Tensors.rowMax(scores).gt(bestScores.select(1, k - 1)).nonzero().select(1, 0);
        if (hot.size(0) == 0) {
            return;
        }
        T_TensorTensor_T blockTop = scores.index_select(0, hot).topk(Math.min(k, scores.size(1)), 1, true, true);
        Tensor candScores = torch.cat(new TensorVector(bestScores.index_select(0, hot), blockTop.get0()), 1);
        Tensor candIndices = torch.cat(new TensorVector(bestIndices.index_select(0, hot), blockTop.get1().add(Tensors.integer(start))), 1);
        T_TensorTensor_T merged = candScores.topk(k, 1, true, true);
        bestScores.index_copy_(0, hot, merged.get0());
        bestIndices.index_copy_(0, hot, candIndices.gather(1, merged.get1()));
    }

    // 1/‖codes_c‖ of every int8 row (a zero row keeps 0: it scores 0, as a zero fp32 centre does)
    private static Tensor inverseRowNorms(Tensor codes) {
        Tensor norms = rowNorms(codes.to(ScalarType.Float));
        return norms.reciprocal().masked_fill(norms.eq(scalar(0)), scalar(0));
    }

    private static void requireMatrix(Tensor t, String what) {
        if (t.dim() != 2) {
            throw new IllegalArgumentException(what + " must be a matrix, got " + t.dim() + " dimensions");
        }
    }

    // x̂_i = x_i / ‖x_i‖, with a zero row divided by 1 so that it stays zero (score 0, not NaN)
    private static Tensor normalisedRows(Tensor x) {
        Tensor norms = rowNorms(x);
        return x.div(col(norms.masked_fill(norms.eq(scalar(0)), scalar(1))));
    }

    /** Rows of {@code m} must be finite; the error names the first bad row (offset by {@code first}). */
    private static void requireFinite(Tensor m, long first, String what) {
        if (!Tensors.allFinite(m)) {
            long bad = Tensors.toLongArray(m.isfinite().all(1).logical_not().nonzero().select(1, 0))[0];
            throw new IllegalArgumentException(what + " " + (first + bad) + " contains NaN or Inf");
        }
    }

    private static void check(Tensor centres, Tensor queries, int k, long blockRows) {
        if (centres.dim() != 2 || queries.dim() != 2) {
            throw new IllegalArgumentException("centres and queries must be matrices, got " + centres.dim()
                    + " and " + queries.dim() + " dimensions");
        }
        if (centres.size(1) != queries.size(1)) {
            throw new IllegalArgumentException("centres have " + centres.size(1) + " columns but queries have " + queries.size(1));
        }
        if (k < 1 || k > centres.size(0)) {
            throw new IllegalArgumentException("k must be in [1, " + centres.size(0) + "] (the class count), got " + k);
        }
        if (blockRows < 1) {
            throw new IllegalArgumentException("blockRows must be at least 1, got " + blockRows);
        }
    }

    private static long[][] reshape(long[] flat, int rows, int cols) {
        long[][] out = new long[rows][cols];
        for (int i = 0; i < rows; i++) {
            System.arraycopy(flat, i * cols, out[i], 0, cols);
        }
        return out;
    }

    private static double[][] reshapeDoubles(double[] flat, int rows, int cols) {
        double[][] out = new double[rows][cols];
        for (int i = 0; i < rows; i++) {
            System.arraycopy(flat, i * cols, out[i], 0, cols);
        }
        return out;
    }
}
