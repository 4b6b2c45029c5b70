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
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Lines over bytes: the same lines as BufferedReader.readLine for \n and \r\n files, long lines refused unread. */
class LineScannerTest {
    @TempDir
    Path tmp;

    /** "lineNo@offset:text" of every line, too-long lines as "lineNo@offset:TOO LONG". */
    private static List<String> lines(Path file, int limit) throws IOException {
        List<String> out = new ArrayList<>();
        LineScanner.scan(file, limit, new LineScanner.Visitor() {
            @Override
            public void line(byte[] buf, int start, int end, long lineNo, long offset) {
                out.add(lineNo + "@" + offset + ":" + new String(buf, start, end - start, StandardCharsets.ISO_8859_1));
            }

            @Override
            public void tooLong(String name, long lineNo, long offset, int max) {
                out.add(lineNo + "@" + offset + ":TOO LONG");
            }
        });
        return out;
    }

    /** What the scanner must give: split at \n, a \r before it dropped, a last line without \n kept. */
    private static List<String> expected(byte[] content, int limit) {
        List<String> out = new ArrayList<>();
        int start = 0;
        long lineNo = 0;
        for (int i = 0; i <= content.length; i++) {
            if (i == content.length && start == i) {
                break;
            }
            if (i == content.length || content[i] == '\n') {
                int end = i > start && content[i - 1 < 0 ? 0 : i - 1] == '\r' && i < content.length ? i - 1 : i;
                lineNo++;
                String text = new String(content, start, end - start, StandardCharsets.ISO_8859_1);
                out.add(lineNo + "@" + start + ":" + (end - start > limit ? "TOO LONG" : text));
                start = i + 1;
            }
        }
        return out;
    }

    @Test
    void linesOfRandomFilesWithLinesAcrossTheBuffer() throws IOException {
        SplittableRandom rng = new SplittableRandom(3);
        for (int trial = 0; trial < 30; trial++) {
            ByteArrayOutputStream content = new ByteArrayOutputStream();
            int n = rng.nextInt(40);
            for (int i = 0; i < n; i++) {
                // mostly short lines, some longer than the 1 MiB first buffer
                int length = rng.nextInt(10) == 0 ? (1 << 20) + rng.nextInt(300_000) : rng.nextInt(200);
                for (int k = 0; k < length; k++) {
                    content.write('a' + rng.nextInt(26));
                }
                content.writeBytes(rng.nextBoolean() ? new byte[] {'\n'} : new byte[] {'\r', '\n'});
            }
            if (rng.nextBoolean()) {
                content.writeBytes("last line without newline".getBytes(StandardCharsets.US_ASCII));
            }
            Path file = Files.write(tmp.resolve("f" + trial), content.toByteArray());
            int limit = rng.nextBoolean() ? 64 << 20 : 1_200_000;
            assertEquals(expected(content.toByteArray(), limit), lines(file, limit), "trial " + trial);
        }
    }

    @Test
    void emptyLinesAreLines() throws IOException {
        Path file = Files.writeString(tmp.resolve("f"), "a\n\n\r\nb\n");
        assertEquals(List.of("1@0:a", "2@2:", "3@3:", "4@5:b"), lines(file, 100));
    }

    @Test
    void aTooLongLineIsSkippedToItsEndWithoutBeingRead() throws IOException {
        Path file = Files.writeString(tmp.resolve("f"), "ok\n" + "x".repeat(5000) + "\nafter\n" + "y".repeat(3000));
        assertEquals(List.of("1@0:ok", "2@3:TOO LONG", "3@5004:after", "4@5010:TOO LONG"), lines(file, 1000));
        PlscFormatException e = assertThrows(PlscFormatException.class,
                () -> LineScanner.scan(file, 1000, (buf, start, end, lineNo, offset) -> { }));
        assertTrue(e.getMessage().contains(file + " line 2"), e.getMessage());
        assertTrue(e.getMessage().contains("byte offset 3"), e.getMessage());
        assertEquals(BadReason.LINE_TOO_LONG, e.reason());
    }

    @Test
    void newlineSearchFindsTheFirstNewlineAtAnyAlignment() {
        for (int at = 0; at < 40; at++) {
            for (int from = 0; from <= at; from++) {
                byte[] buf = new byte[48];
                java.util.Arrays.fill(buf, (byte) 'a');
                buf[at] = '\n';
                buf[Math.min(47, at + 1 + (at % 3))] = '\n';
                assertEquals(at, LineScanner.indexOfNewline(buf, from, buf.length), "at " + at + " from " + from);
            }
        }
        assertEquals(-1, LineScanner.indexOfNewline(new byte[20], 0, 20));
    }
}
