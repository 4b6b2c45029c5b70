package org.plscj.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.plscj.data.DatasetStats;
import org.plscj.data.PlscDataset;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code plsc data stats}: counts of a data directory, validating every record on the way. */
@Command(
        name = "stats",
        mixinStandardHelpOptions = true,
        description = {
            "Counts of a PLSC data directory or an insightface train.rec directory; reads every record, so it",
            "doubles as a validator.",
            "",
            "Prints files, images, classes (distinct labels), the label range, a histogram of images per",
            "class and the bad records by reason. Exits 0 when every record is valid; 2 at the first bad",
            "record, or, with --skip-bad, after the report when any record was bad."
        })
final class DataStatsCommand implements Callable<Integer> {
    @Parameters(paramLabel = "DIR", description = "The data directory (holding file_list.txt, or insightface's train.rec + train.idx).")
    Path dir;

    @Option(names = "--num-classes", defaultValue = "0",
            description = "Labels must be below this; 0 checks only that they are not negative (default ${DEFAULT-VALUE}).")
    int numClasses;

    @Option(names = "--decode", description = "Also decode every image (JPEG/PNG, any size); one that does not decode is a bad record.")
    boolean decode;

    @Option(names = "--skip-bad", description = "Skip bad records, counting them per reason, instead of stopping at the first.")
    boolean skipBad;

    @Mixin
    ProgressOptions progress;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        DatasetStats stats = DatasetStats.compute(dir, new PlscDataset.ReadOptions(numClasses, skipBad), decode, progress.progress());
        out.println(stats.report());
        return stats.bad().total() == 0 ? 0 : 2;
    }
}
