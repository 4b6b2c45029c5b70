package org.plscj.cli;

import picocli.CommandLine.Command;

/** The {@code data} command group: tools for PLSC base64 data directories (public so tests outside the CLI package can run it). */
@Command(
        name = "data",
        mixinStandardHelpOptions = true,
        description = {
            "Tools for PLSC base64 data directories (file_list.txt + lines '<base64 image>\\t<label>').",
            "",
            "  plsc data convert --from-folders ROOT --out DIR",
            "  plsc data stats DIR --num-classes 1000",
            "  plsc data shuffle-split DIR --nranks 8 --seed 1 --out DIR.split",
            "  plsc data align --landmarks faces.txt --images raw --out aligned"
        },
        subcommands = {DataAlignCommand.class, DataConvertCommand.class, DataShuffleSplitCommand.class, DataStatsCommand.class})
public final class DataCommand {}
