package org.plscj.progress;

import java.io.PrintWriter;

/**
 * Where a long operation reports how far it is. An operation starts one {@link Task} per phase (a pass over the input,
 * the writing of the output) and advances it as units are done; the implementation decides what a person sees: a bar
 * on an interactive terminal, a plain line every 10 % or 10 s otherwise, or nothing ({@link #quiet()}). Reporting is
 * cheap (an addition and, for lines, a clock read), so per-record calls are fine; one thread per task.
 *
 * <pre>{@code
 * try (Progress.Task task = progress.start("convert", images.size(), Progress.Unit.IMAGES)) {
 *     for (Image image : images) {
 *         write(image);
 *         task.advance(1);
 *     }
 * }
 * }</pre>
 */
public interface Progress {
    /** What a task counts; bytes are shown in KiB/MiB/GiB. */
    enum Unit {
        RECORDS("records"), IMAGES("images"), LINES("lines"), FILES("files"), BYTES("B");

        private final String label;

        Unit(String label) {
            this.label = label;
        }

        /** The unit's name: {@code images}, {@code B}. */
        public String label() {
            return label;
        }

        /** How an amount of this unit reads: {@code 1200 images}, {@code 12.3 MiB}. */
        public String format(double amount) {
            if (this != BYTES) {
                // why one decimal below 10: a rate of 0.4 files/s must not read as 0
                return (amount < 10 && amount != Math.rint(amount) ? String.format(java.util.Locale.ROOT, "%.1f", amount)
                        : Long.toString(Math.round(amount))) + " " + label;
            }
            String[] prefixes = {"B", "KiB", "MiB", "GiB", "TiB"};
            int p = 0;
            while (amount >= 1024 && p < prefixes.length - 1) {
                amount /= 1024;
                p++;
            }
            return p == 0 ? Math.round(amount) + " B" : String.format(java.util.Locale.ROOT, "%.1f %s", amount, prefixes[p]);
        }
    }

    /** One phase of an operation; closing it shows where it ended. */
    interface Task extends AutoCloseable {
        /** {@code n} more units are done. */
        void advance(long n);

        /** {@code done} units are done in all (a smaller value than before is ignored). */
        void advanceTo(long done);

        @Override
        void close();
    }

    /**
     * Starts a phase named {@code name} (shown before each report) of {@code total} units, or of an unknown total when
     * {@code total <= 0} (then no percentage or ETA).
     */
    Task start(String name, long total, Unit unit);

    /** Reports nothing. */
    static Progress quiet() {
        return QuietProgress.INSTANCE;
    }

    /**
     * What a command run by a person shows on {@code err}: nothing when {@code quiet}, a bar on an interactive terminal,
     * plain lines otherwise (a log file, CI).
     */
    static Progress forConsole(boolean quiet, PrintWriter err) {
        return choose(quiet, isInteractiveTerminal(), err);
    }

    /** {@link #forConsole} with the terminal test done by the caller. */
    static Progress choose(boolean quiet, boolean terminal, PrintWriter err) {
        return quiet ? quiet() : terminal ? new ProgressBars() : new ProgressLines(err);
    }

    /** A console that a person reads: System.console() exists (stdin and stdout are a terminal) and TERM is not "dumb". */
    static boolean isInteractiveTerminal() {
        String term = System.getenv("TERM");
        return System.console() != null && term != null && !term.equals("dumb");
    }
}
