package org.plscj.eval;

import static org.plscj.tensor.Tensors.col;
import static org.plscj.tensor.Tensors.rowNorms;
import static org.plscj.tensor.Tensors.rows;
import static org.plscj.tensor.Tensors.scalar;

import org.bytedeco.pytorch.T_TensorTensor_T;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
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
        return search(centres, false, queries, k, blockRows);
    }

    /**
     * Centres checked for NaN/Inf and normalised once, for many queries (a server's class centres): each
     * query then costs one pass over the centres (GEMM + top-k per block) instead of re-checking and
     * re-normalising every block. Holds a normalised copy [C, D] until {@link #close}.
     */
    public static final class Index implements AutoCloseable {
        private final Tensor unit;

        private Index(Tensor unit) {
            this.unit = unit;
        }

        /** Checks and normalises {@code centres} (the same rules as {@link #topK}: a NaN/Inf row is named). */
        public static Index of(Tensor centres) {
            Native.load();
            if (centres.dim() != 2) {
                throw new IllegalArgumentException("centres must be a matrix, got " + centres.dim() + " dimensions");
            }
            return new Index(Scoped.compute(() -> {
                Tensor unit = torch.empty(Tensors.shape(centres), centres.options(), null);
                for (long start = 0; start < centres.size(0); start += DEFAULT_BLOCK_ROWS) {
                    long first = start;
                    Scoped.run(() -> {
                        Tensor rows = rows(centres, first, Math.min(DEFAULT_BLOCK_ROWS, centres.size(0) - first));
                        requireFinite(rows, first, "class centre");
                        rows(unit, first, rows.size(0)).copy_(normalisedRows(rows));
                    });
                }
                return Scoped.hold(unit);
            }));
        }

        public long size() {
            return unit.size(0);
        }

        /** {@link NearestCentres#topK(Tensor, Tensor, int)} over the prepared centres. */
        public Result topK(Tensor queries, int k) {
            check(unit, queries, k, DEFAULT_BLOCK_ROWS);
            return search(unit, true, queries, k, DEFAULT_BLOCK_ROWS);
        }

        @Override
        public void close() {
            Scoped.release(unit);
        }
    }

    private static Result search(Tensor centres, boolean prepared, Tensor queries, int k, long blockRows) {
        long classes = centres.size(0);
        int m = (int) queries.size(0);
        return Scoped.compute(() -> {
            requireFinite(queries, 0, "query");
            Tensor qHat = normalisedRows(queries.to(centres));
            // the running top-k starts at -inf so the first k real candidates displace it
            // (every real score is finite, and C >= k guarantees k of them)
            long[] shape = {m, k};
            Tensor bestScores = torch.full(shape, scalar(Double.NEGATIVE_INFINITY)).to(centres);
            Tensor bestIndices = torch.full(shape, scalar(-1)).to(centres.device(), torch.ScalarType.Long);
            for (long start = 0; start < classes; start += blockRows) {
                // why a scope per block: otherwise every block's [M, blockRows] scores stay
                // allocated until the whole search ends, which is the [M, C] matrix we avoid
                long first = start;
                Scoped.run(() -> {
                    Tensor rows = rows(centres, first, Math.min(blockRows, classes - first));
                    if (!prepared) {
                        // why: topk ranks NaN above every score, so one broken centre would win every query
                        requireFinite(rows, first, "class centre");
                        rows = normalisedRows(rows);
                    }
                    mergeBlock(qHat, rows, first, k, bestScores, bestIndices);
                });
            }
            return new Result(reshape(Tensors.toLongArray(bestIndices), m, k), reshapeDoubles(Tensors.toDoubleArray(bestScores), m, k));
        });
    }

    // S = Q̂·Ŵ_blockᵀ [M, n] (Ŵ_block already normalised); the block's top min(k, n), with indices offset by
    // the block start, merged with the running top-k: topk over the concatenated [M, k + min(k, n)] candidates
    private static void mergeBlock(Tensor qHat, Tensor unitBlock, long start, int k, Tensor bestScores, Tensor bestIndices) {
        Tensor scores = qHat.matmul(unitBlock.t());
        T_TensorTensor_T blockTop = scores.topk(Math.min(k, unitBlock.size(0)), 1, true, true);
        Tensor candScores = torch.cat(new TensorVector(bestScores, blockTop.get0()), 1);
        Tensor candIndices = torch.cat(new TensorVector(bestIndices, blockTop.get1().add(scalar(start))), 1);
        T_TensorTensor_T merged = candScores.topk(k, 1, true, true);
        bestScores.copy_(merged.get0());
        bestIndices.copy_(candIndices.gather(1, merged.get1()));
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
