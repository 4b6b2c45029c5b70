package org.plscj.align;

/**
 * A 2-D similarity transform, {@code (x, y) → (a·x − b·y + tx, b·x + a·y + ty)}: a rotation by atan2(b, a), a
 * uniform scale √(a² + b²) and a translation. Its matrix is {@code [[a, −b, tx], [b, a, ty]]}, the {@code M} that
 * insightface passes to {@code cv2.warpAffine} (scikit-image's {@code SimilarityTransform.params[0:2]}).
 */
public record SimilarityTransform(double a, double b, double tx, double ty) {
    /**
     * Below this ratio of the landmarks' smaller to larger principal spread they count as collinear: a face's
     * eyes, nose and mouth corners span a plane (ratios of 0.1 and more), a detector failure may not.
     */
    static final double COLLINEAR = 1e-3;

    /**
     * The least-squares similarity taking {@code src} points onto {@code dst} points (both {@code x1 y1 x2 y2 …}),
     * Umeyama's closed form as scikit-image's {@code SimilarityTransform.estimate} computes it. In 2-D it reduces to
     * (with x̃, ỹ the points minus their means):
     * <pre>
     *   a = Σ x̃·ỹ / Σ |x̃|²,   b = Σ (x̃ₓ ỹᵧ − x̃ᵧ ỹₓ) / Σ |x̃|²,   t = mean(y) − [[a, −b], [b, a]]·mean(x)
     * </pre>
     * which is the least-squares solution over all (a, b, tx, ty), so also Umeyama's (rotation with det +1).
     *
     * @throws DegenerateLandmarksException when a coordinate is not finite or the src points are (nearly) collinear
     */
    public static SimilarityTransform estimate(double[] src, double[] dst) {
        if (src.length != dst.length || src.length < 4 || src.length % 2 != 0) {
            throw new IllegalArgumentException("need the same number (>= 2) of src and dst points, got " + src.length / 2
                    + " and " + dst.length / 2);
        }
        int n = src.length / 2;
        double mxx = 0, mxy = 0, myx = 0, myy = 0;
        for (int i = 0; i < n; i++) {
            if (!Double.isFinite(src[2 * i]) || !Double.isFinite(src[2 * i + 1])) {
                throw new DegenerateLandmarksException("landmark " + (i + 1) + " is not a finite point (" + src[2 * i] + ", "
                        + src[2 * i + 1] + ")");
            }
            mxx += src[2 * i];
            mxy += src[2 * i + 1];
            myx += dst[2 * i];
            myy += dst[2 * i + 1];
        }
        mxx /= n;
        mxy /= n;
        myx /= n;
        myy /= n;
        double sxx = 0, syy = 0, sxy = 0, dot = 0, cross = 0;
        for (int i = 0; i < n; i++) {
            double x = src[2 * i] - mxx;
            double y = src[2 * i + 1] - mxy;
            double u = dst[2 * i] - myx;
            double v = dst[2 * i + 1] - myy;
            sxx += x * x;
            syy += y * y;
            sxy += x * y;
            dot += x * u + y * v;
            cross += x * v - y * u;
        }
        checkSpread(sxx, syy, sxy);
        double norm = sxx + syy;
        double a = dot / norm;
        double b = cross / norm;
        return new SimilarityTransform(a, b, myx - (a * mxx - b * mxy), myy - (b * mxx + a * mxy));
    }

    // The eigenvalues of the points' scatter matrix [[sxx, sxy], [sxy, syy]]: both must be clearly non-zero.
    private static void checkSpread(double sxx, double syy, double sxy) {
        double half = (sxx + syy) / 2;
        double root = Math.sqrt((sxx - syy) * (sxx - syy) / 4 + sxy * sxy);
        double large = half + root;
        double small = half - root;
        if (!(large > 0)) {
            throw new DegenerateLandmarksException("all landmarks are the same point");
        }
        if (small < COLLINEAR * large) {
            throw new DegenerateLandmarksException("the landmarks are collinear (their spread across the line is "
                    + String.format("%.2g", Math.sqrt(Math.max(small, 0) / large)) + " of their spread along it)");
        }
    }

    /** Where {@code (x, y)} goes, as {@code {x', y'}}. */
    public double[] apply(double x, double y) {
        return new double[] {a * x - b * y + tx, b * x + a * y + ty};
    }

    /** The transform undoing this one (defined: a similarity estimated from non-degenerate points has a, b not both 0). */
    public SimilarityTransform inverse() {
        // [[a, −b], [b, a]]⁻¹ = [[a, b], [−b, a]] / (a² + b²); t' = −A⁻¹·t
        double s = a * a + b * b;
        double ia = a / s;
        double ib = -b / s;
        return new SimilarityTransform(ia, ib, -(ia * tx - ib * ty), -(ib * tx + ia * ty));
    }

    /** The 2×3 matrix {@code [[a, −b, tx], [b, a, ty]]} row by row. */
    public double[] matrix() {
        return new double[] {a, -b, tx, b, a, ty};
    }
}
