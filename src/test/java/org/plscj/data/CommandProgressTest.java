package org.plscj.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The long data commands report progress on stderr (here captured, so as plain lines, not a bar): done/total, rate and
 * ETA; {@code --quiet} silences it; stdout, which scripts parse, is the same either way.
 */
class CommandProgressTest {
    // convert: 2/20 images (10%), 123 images/s, eta 0s    stats: 1.2 KiB/12.0 KiB (10%), 3.4 MiB/s, eta 0s
    private static final String AMOUNT = "(\\d+/\\d+ [a-z]+|[\\d.]+ (B|[KMGT]iB)/[\\d.]+ (B|[KMGT]iB))";
    private static final Pattern LINE = Pattern.compile(
            "(convert|stats|shuffle-split: scatter|shuffle-split: deal): " + AMOUNT + " \\(\\d{1,3}%\\), [\\d.]+ ([a-z]+|B|[KMGT]iB)/s, (eta|in) \\S+");

    @TempDir
    Path tmp;

    private static List<String> progressLines(DataCli cli, String task) {
        List<String> lines = cli.err.toString().lines().filter(l -> l.startsWith(task + ": ")).toList();
        assertFalse(lines.isEmpty(), "no progress of " + task + " in: " + cli.err);
        for (String line : lines) {
            assertTrue(LINE.matcher(line).matches(), "not a progress line: " + line);
        }
        assertTrue(lines.get(lines.size() - 1).contains("(100%)"), "the last line shows the whole task done: " + lines);
        return lines;
    }

    @Test
    void convertStatsAndShuffleSplitPrintPlainProgressLinesOnStderrWhenNotOnATerminal() {
        DataCli cli = new DataCli();
        Path data = tmp.resolve("data");
        assertEquals(0, cli.run("convert", "--from-generator", "--classes", "4", "--per-class", "5", "--files", "2",
                "--out", data.toString()), cli.err.toString());
        List<String> convert = progressLines(cli, "convert");
        // a line per 10 % of the 20 images, at most: 2, 4, … 20
        assertEquals(10, convert.size(), convert.toString());
        assertTrue(convert.get(0).startsWith("convert: 2/20 images (10%), "), convert.get(0));

        assertEquals(0, cli.run("stats", data.toString()), cli.err.toString());
        progressLines(cli, "stats");

        assertEquals(0, cli.run("shuffle-split", data.toString(), "--nranks", "2", "--seed", "1", "--out", tmp.resolve("split").toString()),
                cli.err.toString());
        progressLines(cli, "shuffle-split: scatter");
        assertTrue(progressLines(cli, "shuffle-split: deal").get(0).contains("/20 lines"), cli.err.toString());
    }

    @Test
    void quietPrintsNoProgressAndStdoutIsTheSameEitherWay() {
        DataCli loud = new DataCli();
        DataCli quiet = new DataCli();
        Path data = tmp.resolve("data");
        assertEquals(0, loud.run("convert", "--from-generator", "--classes", "3", "--per-class", "4", "--out", data.toString()));
        assertEquals(0, quiet.run("convert", "--quiet", "--from-generator", "--classes", "3", "--per-class", "4",
                "--out", tmp.resolve("data-q").toString()));
        assertEquals(0, loud.run("stats", data.toString()));
        assertEquals(0, quiet.run("stats", "-q", data.toString()));
        assertEquals(0, loud.run("shuffle-split", data.toString(), "--nranks", "2", "--seed", "1", "--out", tmp.resolve("s").toString()));
        assertEquals(0, quiet.run("shuffle-split", "--quiet", data.toString(), "--nranks", "2", "--seed", "1",
                "--out", tmp.resolve("s-q").toString()));

        assertEquals("", quiet.err.toString());
        assertFalse(loud.err.toString().isEmpty());
        assertEquals(loud.out.toString(), quiet.out.toString().replace(tmp.resolve("data-q").toString(), data.toString())
                .replace(tmp.resolve("s-q").toString(), tmp.resolve("s").toString()));
    }
}
