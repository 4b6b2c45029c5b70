package org.plscj.train;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Map;
import org.plscj.eval.VerificationReport;
import org.plscj.model.Backbone;

/**
 * Tests the backbone on the val_targets every test_period steps (else at each epoch's end) and at the last step; the
 * listeners after it read this step's reports ({@link #tested}) and the time the test took.
 */
final class ValidationListener implements StepListener {
    private final Validation validation;
    private final Backbone backbone;
    private final long testPeriod;
    private final PrintStream out;
    private Map<String, VerificationReport> tested = Map.of();
    private Map<String, VerificationReport> lastTested = Map.of();
    private long nanos;

    ValidationListener(Validation validation, Backbone backbone, long testPeriod, PrintStream out) {
        this.validation = validation;
        this.backbone = backbone;
        this.testPeriod = testPeriod;
        this.out = out;
    }

    @Override
    public void afterStep(StepEvent e) throws IOException {
        boolean due = validation.hasTargets() && (e.last() || (testPeriod > 0 ? e.step() % testPeriod == 0 : e.epochEnd()));
        long start = System.nanoTime();
        tested = due ? validation.run(backbone, e.step(), out) : Map.of();
        nanos = System.nanoTime() - start;
        if (due) {
            lastTested = tested;
        }
    }

    /** This step's reports by target; empty when no test was due. */
    Map<String, VerificationReport> tested() {
        return tested;
    }

    /** The newest reports of the run. */
    Map<String, VerificationReport> lastTested() {
        return lastTested;
    }

    /** Nanoseconds this step's test took (0 when none was due). */
    long nanos() {
        return nanos;
    }
}
