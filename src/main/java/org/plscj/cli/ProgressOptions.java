package org.plscj.cli;

import org.plscj.progress.Progress;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code --quiet}, shared by the commands that can run long, and the {@link Progress} they report to on stderr. */
final class ProgressOptions {
    @Option(names = {"-q", "--quiet"},
            description = "No progress on stderr (otherwise a bar on a terminal, else a line every 10 %% or 10 s: done/total, rate, ETA).")
    boolean quiet;

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    /** Where this command reports progress: stderr, so the results on stdout stay as they are. */
    Progress progress() {
        return Progress.forConsole(quiet, command.commandLine().getErr());
    }

    /** {@link #progress()} on rank 0 only: every worker of a job shares the terminal, one report is enough. */
    Progress progress(int rank) {
        return rank == 0 ? progress() : Progress.quiet();
    }
}
