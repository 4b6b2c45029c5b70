package org.plscj.align;

/**
 * Landmarks no similarity transform can be estimated from (not finite, all one point, collinear). An
 * {@link IllegalArgumentException}, so the CLI reports it as bad input; callers add the file and line.
 */
public final class DegenerateLandmarksException extends IllegalArgumentException {
    public DegenerateLandmarksException(String message) {
        super(message);
    }
}
