package org.plscj.data;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.plscj.cli.DataCommand;
import picocli.CommandLine;

/** Runs {@code plsc data …} in-process for the data tests, capturing its output, and reads datasets back. */
final class DataCli {
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();

    /** Runs the command with Plsc's exit-code mapping: bad input is one line on stderr and exit 2. */
    int run(String... args) {
        CommandLine cl = new CommandLine(new DataCommand());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        cl.setExecutionExceptionHandler((e, line, parsed) -> {
            line.getErr().println(e.getMessage());
            return e instanceof IllegalArgumentException ? 2 : 1;
        });
        return cl.execute(args);
    }

    /** Every record of a data directory, in order (strict reading). */
    static List<PlscRecord> records(Path dir) throws IOException {
        List<PlscRecord> records = new ArrayList<>();
        PlscDataset.open(dir).scan(PlscDataset.ReadOptions.strict(), (r, text) -> records.add(r));
        return records;
    }
}
