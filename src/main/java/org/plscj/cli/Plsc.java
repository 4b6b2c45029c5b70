package org.plscj.cli;

import org.plscj.comm.CommunicationException;
import org.plscj.comm.LauncherWatch;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.plscj.checkpoint.CheckpointException;
import org.plscj.checkpoint.CheckpointWriteException;
import org.plscj.head.HeadInputException;
import org.plscj.head.NonFiniteException;
import org.plscj.train.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code plsc} command line: one sub-command per job, each in its own file. */
@Command(
        name = "plsc",
        mixinStandardHelpOptions = true,
        versionProvider = PlscVersion.class,
        description = {
            "Large-scale classification on the JVM: a model-parallel margin-softmax head (PLSC dist_softmax /",
            "dist_arcface, Partial FC) over libtorch and torch c10d (Gloo on CPU, NCCL on GPU).",
            "",
            "Multi-process jobs follow the torchrun contract (MASTER_ADDR, MASTER_PORT, WORLD_SIZE, RANK,",
            "LOCAL_RANK, LOCAL_WORLD_SIZE): start them with 'plsc launch', torchrun-style schedulers, or by hand."
        },
        subcommands = {TrainCommand.class, EvalCommand.class, PlanCommand.class, ReshardCommand.class, InspectCommand.class,
            ExportCommand.class, ImportCommand.class, ServeCommand.class, GalleryCommand.class, PredictCommand.class,
            CheckCommand.class, BenchCommand.class, LaunchCommand.class, DataCommand.class, DemoCommand.class,
            CompletionCommand.class, CommandLine.HelpCommand.class})
public final class Plsc {
    /** Exit code for unusable input (bad options, labels, shapes). */
    static final int BAD_INPUT = 2;
    /** Exit code when a collective failed: a peer was lost or timed out. */
    static final int PEER_LOST = 3;
    /** Training met NaN or Inf (nan_policy stop, or too many skipped steps); nothing was saved from it. */
    static final int NON_FINITE = 4;
    /** Reading or writing storage failed (no space left, an I/O error); the message names the path. */
    static final int IO_FAILURE = 5;

    private Plsc() {}

    public static void main(String[] args) {
        LauncherWatch.startIfLaunched(System.err);
        System.exit(commandLine().execute(args));
    }

    /** The configured command line: clear one-line errors instead of stack traces. */
    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Plsc());
        // why: the descriptions are laid out for 120 columns; picocli's default 80 breaks their lines mid-sentence
        cl.setUsageHelpWidth(120);
        cl.setExecutionExceptionHandler((e, line, parsed) -> {
            line.getErr().println(line.getCommandSpec().qualifiedName() + ": error: " + e.getMessage());
            if (System.getenv("PLSC_DEBUG") != null) {
                e.printStackTrace(line.getErr());
            }
            line.getErr().flush();
            if (e instanceof CommunicationException) {
                return PEER_LOST;
            }
            if (e instanceof NonFiniteException) {
                return NON_FINITE;
            }
            if (e instanceof CheckpointWriteException || e instanceof IOException || e instanceof UncheckedIOException) {
                return IO_FAILURE;
            }
            boolean badInput = e instanceof HeadInputException || e instanceof IllegalArgumentException
                    || e instanceof ConfigException || e instanceof CheckpointException;
            return badInput ? BAD_INPUT : 1;
        });
        return cl;
    }
}
