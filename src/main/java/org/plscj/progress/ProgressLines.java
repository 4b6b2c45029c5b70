package org.plscj.progress;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Progress as plain lines, for logs and CI where a bar's carriage returns would be noise: a line whenever another
 * {@value #STEP_PERCENT} % of the total is done or {@value #PERIOD_SECONDS} s have passed since the last line (so a
 * log holds about ten lines per phase, or one per {@value #PERIOD_SECONDS} s of a long one), and one when the task
 * closes: {@code convert: 1200/5000 images (24%), 350 images/s, eta 11s} … {@code convert: 5000/5000 images (100%),
 * 357 images/s, in 14s}. The rate is the average since the task started.
 */
public final class ProgressLines implements Progress {
    static final int STEP_PERCENT = 10;
    static final int PERIOD_SECONDS = 10;

    private final PrintWriter out;
    private final LongSupplier nanoClock;

    public ProgressLines(PrintWriter out) {
        this(out, System::nanoTime);
    }

    ProgressLines(PrintWriter out, LongSupplier nanoClock) {
        this.out = out;
        this.nanoClock = nanoClock;
    }

    @Override
    public Task start(String name, long total, Unit unit) {
        return new LineTask(name, total, unit);
    }

    private final class LineTask implements Task {
        private final String name;
        private final long total;
        private final Unit unit;
        private final long startNanos;
        private final long step;
        private long done;
        private long printedDone;
        private long printedNanos;

        LineTask(String name, long total, Unit unit) {
            this.name = name;
            this.total = Math.max(0, total);
            this.unit = unit;
            this.startNanos = nanoClock.getAsLong();
            this.printedNanos = startNanos;
            this.step = this.total == 0 ? Long.MAX_VALUE : Math.max(1, this.total * STEP_PERCENT / 100);
        }

        @Override
        public void advance(long n) {
            advanceTo(done + n);
        }

        @Override
        public void advanceTo(long value) {
            if (value <= done) {
                return;
            }
            done = value;
            long now = nanoClock.getAsLong();
            if (done - printedDone >= step || now - printedNanos >= PERIOD_SECONDS * 1_000_000_000L) {
                print(now, false);
            }
        }

        @Override
        public void close() {
            if (done != printedDone) {
                print(nanoClock.getAsLong(), true);
            }
        }

        // name: done/total unit (pct%), rate unit/s, eta T   (at close: "in T" instead of the eta)
        private void print(long now, boolean closing) {
            double seconds = (now - startNanos) / 1e9;
            double rate = done / seconds;
            StringBuilder line = new StringBuilder(name).append(": ");
            if (total > 0) {
                line.append(unit == Unit.BYTES ? unit.format(done) + "/" + unit.format(total) : done + "/" + unit.format(total))
                        .append(String.format(Locale.ROOT, " (%d%%)", Math.min(100, done * 100 / total)));
            } else {
                line.append(unit.format(done));
            }
            if (seconds > 0) {
                line.append(", ").append(unit.format(rate)).append("/s");
            }
            if (closing) {
                line.append(", in ").append(formatDuration(seconds));
            } else if (total > 0) {
                line.append(", eta ").append(formatDuration(done >= total ? 0 : (total - done) / rate));
            }
            out.println(line);
            out.flush();
            printedDone = done;
            printedNanos = now;
        }
    }

    /** 42s, 12m05s, 1h02m, 2d03h; "?" when unknown. */
    public static String formatDuration(double seconds) {
        if (!Double.isFinite(seconds) || seconds < 0) {
            return "?";
        }
        long s = Math.round(seconds);
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        if (s < 86400) {
            return String.format(Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60);
        }
        return String.format(Locale.ROOT, "%dd%02dh", s / 86400, s % 86400 / 3600);
    }
}
