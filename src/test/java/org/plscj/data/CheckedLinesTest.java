package org.plscj.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checking lines on a second thread changes nothing: same valid lines in the same order, same bad records. */
class CheckedLinesTest {
    @TempDir
    Path tmp;

    /** Two files of ~12 MB each (so several chunks), some lines bad, one too long. */
    private List<Path> files() throws IOException {
        SplittableRandom rng = new SplittableRandom(9);
        List<Path> files = new ArrayList<>();
        for (int f = 0; f < 2; f++) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (int i = 0; i < 12_000; i++) {
                byte[] image = new byte[rng.nextInt(1500)];
                rng.nextBytes(image);
                String line = Base64.getEncoder().encodeToString(image) + "\t" + rng.nextInt(50);
                if (i % 1013 == 7) {
                    line = "b@d\t" + i;
                } else if (i == 5000 + f) {
                    line = "A".repeat(3000) + "\t1";
                }
                out.writeBytes((line + "\n").getBytes(StandardCharsets.US_ASCII));
            }
            files.add(Files.write(tmp.resolve("f" + f), out.toByteArray()));
        }
        return files;
    }

    private static final int LIMIT = 2500;

    /** The one-thread scan: every line checked where it is met; each line prefixed by its file's index and byte offset. */
    private static List<String> reference(List<Path> files, BadRecords bad) throws IOException {
        List<String> out = new ArrayList<>();
        for (int f = 0; f < files.size(); f++) {
            String name = files.get(f).toString();
            String where = f + "@";
            LineScanner.scanRecords(files.get(f), LIMIT, true, bad, (buf, start, end, lineNo, offset) -> {
                int tab = PlscRecord.checkedTab(buf, start, end, name, lineNo);
                PlscRecord.label(buf, tab, end, name, lineNo, 0);
                out.add(where + offset + " " + new String(buf, start, end - start, StandardCharsets.US_ASCII));
            });
        }
        return out;
    }

    private static List<String> checked(List<Path> files, boolean skipBad, BadRecords bad) throws IOException {
        List<String> out = new ArrayList<>();
        try (CheckedLines lines = new CheckedLines(skipBad, bad,
                (buf, start, end, file, offset) -> out.add(file + "@" + offset + " "
                        + new String(buf, start, end - start, StandardCharsets.US_ASCII)))) {
            for (Path file : files) {
                lines.scan(file, LIMIT);
            }
            lines.finish();
        }
        return out;
    }

    @Test
    void sameValidLinesInOrderWithTheirFilesAndOffsetsAndSameBadRecords() throws IOException {
        List<Path> files = files();
        assertTrue(Files.size(files.get(0)) > 2 * CheckedLines.CHUNK_BYTES / 2, "several chunks per file");
        BadRecords expectedBad = new BadRecords();
        List<String> expected = reference(files, expectedBad);
        BadRecords bad = new BadRecords();
        assertEquals(expected, checked(files, true, bad));
        assertEquals(expectedBad.report(), bad.report());
        assertEquals(26, bad.total(), bad.report());
    }

    @Test
    void withoutSkipBadTheFirstBadLineFails() throws IOException {
        PlscFormatException e = assertThrows(PlscFormatException.class, () -> checked(files(), false, new BadRecords()));
        assertTrue(e.getMessage().contains(tmp.resolve("f0") + " line 8:"), e.getMessage());
    }
}
