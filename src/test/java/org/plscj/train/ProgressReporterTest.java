package org.plscj.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressReporterTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    private final AtomicLong nanos = new AtomicLong();

    private ProgressReporter plain(long total, long start) {
        return new ProgressReporter(total, start, out, false, nanos::get);
    }

    private String[] lines() {
        return bytes.toString(StandardCharsets.UTF_8).split("\n");
    }

    @Test
    void plainLineHasEveryFieldInOrder() {
        try (ProgressReporter p = plain(10_000, 0)) {
            nanos.set(76_020_408_163L); // 200 steps at 3725/9800 s per step: the 9800 left take 3725 s
            p.report(200, 1, 12.34561, 0.01234, 0.0125, 1234.54);
        }
        assertEquals("step 200/10000 epoch 1 loss 12.3456 acc 0.0123 lr 0.0125 1234.5 img/s eta 1h02m", lines()[0]);
    }

    @Test
    void accuracyIsLeftOutWhenNotComputed() {
        try (ProgressReporter p = plain(100, 0)) {
            nanos.set(1_000_000_000L);
            p.report(10, 0, 1.5, null, 0.1, 10);
        }
        assertEquals("step 10/100 epoch 0 loss 1.5000 lr 0.1 10.0 img/s eta 9s", lines()[0]);
    }

    @Test
    void etaFollowsAMovingAverageOfTheStepTime() {
        ProgressReporter p = plain(1000, 100);
        nanos.set(100_000_000_000L); // 100 steps in 100 s: 1 s per step
        p.report(200, 0, 1, null, 0.1, 1);
        assertEquals(800.0, p.etaSeconds(), 1e-9);
        nanos.addAndGet(300_000_000_000L); // 100 steps in 300 s: 3 s per step
        p.report(300, 0, 1, null, 0.1, 1);
        double smoothed = 0.3 * 3 + 0.7 * 1;
        assertEquals(smoothed * 700, p.etaSeconds(), 1e-9);
        assertTrue(lines()[1].endsWith("eta " + ProgressReporter.formatDuration(smoothed * 700)));
    }

    @Test
    void durationsReadLikeAClock() {
        assertEquals("42s", ProgressReporter.formatDuration(42.2));
        assertEquals("12m05s", ProgressReporter.formatDuration(725));
        assertEquals("1h02m", ProgressReporter.formatDuration(3725));
        assertEquals("2d03h", ProgressReporter.formatDuration(2 * 86400 + 3 * 3600 + 59));
        assertEquals("?", ProgressReporter.formatDuration(Double.NaN));
    }

    @Test
    void barModePrintsNoPlainLines() {
        try (ProgressReporter p = new ProgressReporter(100, 0, out, true, nanos::get)) {
            nanos.set(1_000_000_000L);
            p.report(10, 0, 1.5, null, 0.1, 10);
            assertEquals(9.0, p.etaSeconds(), 1e-9);
        }
        assertEquals("", bytes.toString(StandardCharsets.UTF_8));
    }

    @Test
    void startBeyondTotalIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> plain(10, 11));
    }
}
