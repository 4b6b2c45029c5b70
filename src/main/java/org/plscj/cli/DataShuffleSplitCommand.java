package org.plscj.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.plscj.data.ShuffleSplit;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code plsc data shuffle-split}: a seeded global shuffle into one file per rank. */
@Command(
        name = "shuffle-split",
        mixinStandardHelpOptions = true,
        description = {
            "Globally shuffles a PLSC data directory into one file per rank, deterministically for a seed.",
            "",
            "Writes part-00000 … part-<N-1> and file_list.txt into --out, so rank i reads file i. Every file",
            "gets ceil(n/N) lines, padded with repeats of random records as PLSC does (or floor(n/N) with",
            "--drop-remainder). Works in external memory: datasets larger than --memory-mb go through",
            "temporary bucket files, which hold 16 bytes a line when the input fits the page cache (the lines",
            "are read back from the sources) and copies of the lines otherwise (--bucket-contents); the",
            "output is the same either way. The sources are never modified; --out appears complete or not at all",
            "(built in a temporary sibling, then renamed) and must not exist yet.",
            "",
            "  plsc data shuffle-split train --nranks 8 --seed 1 --out train.8"
        })
final class DataShuffleSplitCommand implements Callable<Integer> {
    @Parameters(paramLabel = "DIR", description = "The source data directory (holding file_list.txt); left untouched.")
    Path source;

    @Option(names = "--nranks", required = true, description = "Output files N: one per rank.")
    int nranks;

    @Option(names = "--seed", required = true, description = "Seed of the shuffle and the padding.")
    long seed;

    @Option(names = "--out", required = true, description = "The output directory; must not exist.")
    Path outDir;

    @Option(names = "--memory-mb", defaultValue = "256",
            description = "Memory budget for the lines held at once, in MiB (default ${DEFAULT-VALUE}).")
    long memoryMb;

    @Option(names = "--drop-remainder", description = "floor(n/N) lines per file instead of padding to ceil(n/N).")
    boolean dropRemainder;

    @Option(names = "--skip-bad", description = "Skip bad records, counting them per reason, instead of failing.")
    boolean skipBad;

    @Option(names = "--max-line-mb", defaultValue = "64",
            description = "A longer line is a bad record, never read whole (default ${DEFAULT-VALUE} MiB).")
    int maxLineMb;

    @Option(names = "--bucket-contents", defaultValue = "AUTO",
            description = "What the temporary buckets hold: OFFSETS (16 bytes a line, lines re-read from the sources;"
                    + " the input is written once), LINES (copies; for inputs larger than the page cache), or AUTO"
                    + " (OFFSETS when the input is at most half of the available memory). Default ${DEFAULT-VALUE}.")
    ShuffleSplit.BucketContents bucketContents;

    @Mixin
    ProgressOptions progress;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        if (maxLineMb < 1 || maxLineMb > 2047) {
            throw new IllegalArgumentException("--max-line-mb must be between 1 and 2047, not " + maxLineMb);
        }
        ShuffleSplit.Config config = new ShuffleSplit.Config(nranks, seed, memoryMb << 20, dropRemainder, skipBad)
                .withMaxLineBytes(maxLineMb << 20).withBucketContents(bucketContents);
        ShuffleSplit.Result r = ShuffleSplit.run(source, outDir, config, progress.progress());
        out.printf("shuffle-split: %d records through %d bucket(s) of %s → %d files × %d lines (%d padding) in %s%n",
                r.records(), r.buckets(), r.bucketContents().name().toLowerCase(Locale.ROOT), nranks,
                r.linesPerFile(), r.padding(), outDir);
        out.println(r.bad().report());
        return 0;
    }
}
