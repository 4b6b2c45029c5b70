package org.plscj.cli;

import picocli.CommandLine.Command;

@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = "Benchmarks; each prints a table and one JSON line. Record results in BENCHMARKS.md.",
        subcommands = {BenchHeadCommand.class, BenchTrainCommand.class, BenchDataCommand.class, BenchServeCommand.class})
final class BenchCommand {}
