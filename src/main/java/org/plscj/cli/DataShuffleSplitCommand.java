package org.plscj.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.plscj.data.ShuffleSplit;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
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
            "temporary bucket files. The sources are never modified; --out appears complete or not at all",
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

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        ShuffleSplit.Config config = new ShuffleSplit.Config(nranks, seed, memoryMb << 20, dropRemainder, skipBad);
        ShuffleSplit.Result r = ShuffleSplit.run(source, outDir, config);
        out.printf("shuffle-split: %d records through %d bucket(s) → %d files × %d lines (%d padding) in %s%n",
                r.records(), r.buckets(), nranks, r.linesPerFile(), r.padding(), outDir);
        out.println(r.bad().report());
        return 0;
    }
}
