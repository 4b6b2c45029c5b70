package org.plscj.progress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProgressLinesTest {
    private final StringWriter text = new StringWriter();
    /** A clock the test moves: nanoseconds. */
    private long now = 5_000_000_000L;
    private final ProgressLines lines = new ProgressLines(new PrintWriter(text), () -> now);

    private void after(double seconds) {
        now += (long) (seconds * 1e9);
    }

    private List<String> printed() {
        return text.toString().lines().toList();
    }

    @Test
    void aLineEveryTenPercentWithDoneTotalRateAndEta() {
        try (Progress.Task task = lines.start("convert", 200, Progress.Unit.IMAGES)) {
            for (int i = 0; i < 200; i++) {
                after(0.05);
                task.advance(1);
            }
        }
        List<String> out = printed();
        assertEquals(10, out.size(), text.toString());
        // 20 images in 1 s: 20/s, 180 left → 9 s
        assertEquals("convert: 20/200 images (10%), 20 images/s, eta 9s", out.get(0));
        assertEquals("convert: 200/200 images (100%), 20 images/s, eta 0s", out.get(9));
    }

    @Test
    void aSlowTaskPrintsEveryTenSecondsBetweenTheSteps() {
        try (Progress.Task task = lines.start("stats", 1000, Progress.Unit.RECORDS)) {
            for (int i = 0; i < 10; i++) {
                after(4);
                task.advance(1);
            }
        }
        // a line at 12, 24 and 36 s (each 10 s or more after the one before), the last at the close (40 s);
        // 0.25 records/s, so 991 left take 1h06m
        assertEquals(List.of("stats: 3/1000 records (0%), 0.3 records/s, eta 1h06m",
                "stats: 6/1000 records (0%), 0.3 records/s, eta 1h06m",
                "stats: 9/1000 records (0%), 0.3 records/s, eta 1h06m",
                "stats: 10/1000 records (1%), 0.3 records/s, in 40s"), printed());
    }

    @Test
    void bytesReadAsBinaryMultiplesAndAnUnknownTotalHasNoPercentOrEta() {
        try (Progress.Task task = lines.start("scan", 0, Progress.Unit.BYTES)) {
            after(2);
            task.advanceTo(3L << 20);
        }
        assertEquals(List.of("scan: 3.0 MiB, 1.5 MiB/s, in 2s"), printed());
    }

    @Test
    void goingBackwardsIsIgnoredAndATaskWithNothingDoneClosesSilently() {
        try (Progress.Task task = lines.start("deal", 10, Progress.Unit.LINES)) {
            after(1);
            task.advanceTo(5);
            task.advanceTo(2);
            after(1);
            task.advance(1);
        }
        try (Progress.Task idle = lines.start("idle", 10, Progress.Unit.LINES)) {
            after(1);
        }
        assertEquals(List.of("deal: 5/10 lines (50%), 5 lines/s, eta 1s", "deal: 6/10 lines (60%), 3 lines/s, eta 1s"), printed());
    }

    @Test
    void theChooserTakesLinesOffATerminalABarOnOneAndNothingWhenQuiet() {
        PrintWriter err = new PrintWriter(text);
        assertInstanceOf(ProgressLines.class, Progress.choose(false, false, err));
        assertInstanceOf(ProgressBars.class, Progress.choose(false, true, err));
        assertSame(Progress.quiet(), Progress.choose(true, true, err));
        assertSame(Progress.quiet(), Progress.choose(true, false, err));
        // the test JVM's output is captured, not a terminal
        assertInstanceOf(ProgressLines.class, Progress.forConsole(false, err));
    }

    @Test
    void quietShowsNothing() {
        try (Progress.Task task = Progress.quiet().start("convert", 10, Progress.Unit.IMAGES)) {
            task.advance(10);
        }
        assertEquals("", text.toString());
    }
}
