package org.plscj.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlscDatasetTest {
    @TempDir
    Path tmp;

    private static List<PlscRecord> readAll(Path dir, PlscDataset.ReadOptions options) throws IOException {
        List<PlscRecord> out = new ArrayList<>();
        PlscDataset.open(dir).scan(options, (record, text) -> out.add(record));
        return out;
    }

    private Path handWritten(String... dataLines) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("hand"));
        Files.writeString(dir.resolve("file_list.txt"), "a.txt\n");
        Files.writeString(dir.resolve("a.txt"), String.join("\n", dataLines) + "\n");
        return dir;
    }

    private void assertBadLine(String line, String expected) throws IOException {
        Path dir = handWritten("aGVsbG8=\t3", line);
        PlscFormatException e = assertThrows(PlscFormatException.class,
                () -> readAll(dir, new PlscDataset.ReadOptions(10, false)));
        assertTrue(e.getMessage().contains("a.txt line 2: " + expected), e.getMessage());
    }

    @Test
    void writtenRecordsReadBackInOrderWithFileAndLine() throws IOException {
        Path dir = tmp.resolve("ds");
        try (PlscWriter w = PlscWriter.create(dir)) {
            w.startFile("x");
            w.write(new byte[] {1, 2, 3}, 0);
            w.write(new byte[] {(byte) 0xff}, 7);
            w.startFile("sub-y");
            w.write(new byte[0], 2);
        }
        List<PlscRecord> got = readAll(dir, PlscDataset.ReadOptions.strict());
        assertEquals(3, got.size());
        assertArrayEquals(new byte[] {1, 2, 3}, got.get(0).image());
        assertEquals(7, got.get(1).label());
        assertEquals(2, got.get(1).line());
        assertEquals(dir.resolve("sub-y").toString(), got.get(2).file());
        assertEquals(List.of("x", "sub-y"), Files.readAllLines(dir.resolve("file_list.txt")));
    }

    @Test
    void handWrittenPlscDirectoryReads() throws IOException {
        Path dir = handWritten("aGVsbG8=\t3", "d29ybGQ=\t0\r");
        List<PlscRecord> got = readAll(dir, new PlscDataset.ReadOptions(4, false));
        assertEquals("hello", new String(got.get(0).image(), StandardCharsets.US_ASCII));
        assertEquals(3, got.get(0).label());
        assertEquals("world", new String(got.get(1).image(), StandardCharsets.US_ASCII));
        assertEquals(0, got.get(1).label());
    }

    @Test
    void lineWithoutTabIsNamed() throws IOException {
        assertBadLine("aGVsbG8= 3", "no tab");
    }

    @Test
    void badBase64IsNamed() throws IOException {
        assertBadLine("a*GVsbG8=\t3", "the image is not valid base64");
    }

    @Test
    void nonIntegerLabelIsNamed() throws IOException {
        assertBadLine("aGVsbG8=\tcat", "the label is not an integer");
    }

    @Test
    void negativeLabelIsNamed() throws IOException {
        assertBadLine("aGVsbG8=\t-1", "the label is negative");
    }

    @Test
    void labelAtNumClassesIsOutOfRange() throws IOException {
        assertBadLine("aGVsbG8=\t10", "the label is not below --num-classes");
    }

    @Test
    void emptyDataFileIsNamed() throws IOException {
        Path dir = handWritten("aGVsbG8=\t3");
        Files.writeString(dir.resolve("file_list.txt"), "a.txt\nempty.txt\n");
        Files.createFile(dir.resolve("empty.txt"));
        PlscFormatException e = assertThrows(PlscFormatException.class, () -> PlscDataset.open(dir));
        assertTrue(e.getMessage().contains("empty.txt") && e.getMessage().contains("line 2"), e.getMessage());
    }

    @Test
    void fileListNamingMissingFileIsNamed() throws IOException {
        Path dir = handWritten("aGVsbG8=\t3");
        Files.writeString(dir.resolve("file_list.txt"), "a.txt\ngone.txt\n");
        PlscFormatException e = assertThrows(PlscFormatException.class, () -> PlscDataset.open(dir));
        assertTrue(e.getMessage().contains("file_list.txt line 2: names gone.txt"), e.getMessage());
    }

    @Test
    void emptyFileListIsRefused() throws IOException {
        Path dir = handWritten("aGVsbG8=\t3");
        Files.writeString(dir.resolve("file_list.txt"), "\n");
        PlscFormatException e = assertThrows(PlscFormatException.class, () -> PlscDataset.open(dir));
        assertTrue(e.getMessage().contains("names no data file"), e.getMessage());
    }

    @Test
    void skipBadCountsEachReasonAndKeepsTheGoodRecords() throws IOException {
        Path dir = handWritten("aGVsbG8=\t3", "nope", "also nope", "!!\t1", "aGVsbG8=\tx", "aGVsbG8=\t-2",
                "aGVsbG8=\t99", "aGVsbG8=\t4");
        List<PlscRecord> good = new ArrayList<>();
        BadRecords bad = PlscDataset.open(dir).scan(new PlscDataset.ReadOptions(10, true), (r, t) -> good.add(r));
        assertEquals(2, good.size());
        assertEquals(6, bad.total());
        assertEquals(2, bad.count(BadReason.NO_TAB));
        assertEquals(1, bad.count(BadReason.BAD_BASE64));
        assertEquals(1, bad.count(BadReason.BAD_LABEL));
        assertEquals(1, bad.count(BadReason.NEGATIVE_LABEL));
        assertEquals(1, bad.count(BadReason.LABEL_OUT_OF_RANGE));
        assertTrue(bad.report().contains("a.txt line 2"), bad.report());
    }
}
