package org.plscj.data;

import static org.plscj.data.DataCli.records;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataConvertTest {
    @TempDir
    Path tmp;
    private Path root;
    /** The expected records in conversion order: classes sorted, files sorted within each. */
    private final List<byte[]> images = new ArrayList<>();
    private final List<Integer> labels = new ArrayList<>();
    private final DataCli cli = new DataCli();
    private final StringWriter out = cli.out;
    private final StringWriter err = cli.err;

    /** Three classes ("cat", "dog", "eel"; created out of order) with 3, 2 and 4 random-byte fake images. */
    @BeforeEach
    void writeTree() throws IOException {
        root = tmp.resolve("photos");
        Random random = new Random(42);
        String[] classes = {"cat", "dog", "eel"};
        int[] counts = {3, 2, 4};
        for (int c = classes.length - 1; c >= 0; c--) {
            Files.createDirectories(root.resolve(classes[c]));
        }
        for (int c = 0; c < classes.length; c++) {
            for (int i = 0; i < counts[c]; i++) {
                byte[] bytes = new byte[1 + random.nextInt(200)];
                random.nextBytes(bytes);
                Files.write(root.resolve(classes[c]).resolve("img" + i + ".jpg"), bytes);
                images.add(bytes);
                labels.add(c);
            }
        }
        Files.writeString(root.resolve("dog").resolve(".DS_Store"), "junk");
        Files.writeString(root.resolve(".hidden-root-file"), "junk");
    }

    private int data(String... args) {
        return cli.run(args);
    }

    private static Map<Path, byte[]> snapshot(Path dir) throws IOException {
        Map<Path, byte[]> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                files.put(dir.relativize(p), Files.readAllBytes(p));
            }
        }
        return files;
    }

    @Test
    void foldersConvertToExactBytesWithSortedClassLabels() throws IOException {
        Path dir = tmp.resolve("ds");
        assertEquals(0, data("convert", "--from-folders", root.toString(), "--out", dir.toString()));
        List<PlscRecord> records = records(dir);
        assertEquals(images.size(), records.size());
        for (int i = 0; i < records.size(); i++) {
            assertArrayEquals(images.get(i), records.get(i).image(), "record " + i);
            assertEquals(labels.get(i), records.get(i).label(), "record " + i);
        }
        assertEquals("0\tcat\n1\tdog\n2\teel\n", Files.readString(dir.resolve(DataConvert.LABELS_TSV)));
        assertEquals(List.of("part-00000"), Files.readAllLines(dir.resolve(PlscDataset.FILE_LIST)));
        assertTrue(out.toString().contains("9 images, 3 classes → 1 file(s)"), out.toString());
        assertTrue(out.toString().contains("2 hidden file(s) skipped"), out.toString());
        try (Stream<Path> s = Files.list(tmp)) {
            assertFalse(s.anyMatch(p -> p.getFileName().toString().contains(".tmp-")), "temporary left behind");
        }
    }

    @Test
    void conversionIsDeterministic() throws IOException {
        DataConvert.fromFolders(root, tmp.resolve("a"), 2);
        DataConvert.fromFolders(root, tmp.resolve("b"), 2);
        Map<Path, byte[]> a = snapshot(tmp.resolve("a"));
        Map<Path, byte[]> b = snapshot(tmp.resolve("b"));
        assertEquals(a.keySet(), b.keySet());
        for (Path p : a.keySet()) {
            assertArrayEquals(a.get(p), b.get(p), p.toString());
        }
    }

    @Test
    void filesAreDealtRoundRobin() throws IOException {
        Path dir = tmp.resolve("ds");
        DataConvert.Result r = DataConvert.fromFolders(root, dir, 2);
        assertEquals(new DataConvert.Result(9, 3, 2, 2), r);
        List<String> part0 = Files.readAllLines(dir.resolve("part-00000"));
        List<String> part1 = Files.readAllLines(dir.resolve("part-00001"));
        assertEquals(5, part0.size());
        assertEquals(4, part1.size());
        for (int i = 0; i < images.size(); i++) {
            String line = (i % 2 == 0 ? part0 : part1).get(i / 2);
            assertEquals(PlscRecord.format(images.get(i), labels.get(i)), line, "record " + i);
        }
        assertEquals(List.of("part-00000", "part-00001"), PlscDataset.open(dir).files().stream()
                .map(p -> p.getFileName().toString()).toList());
    }

    @Test
    void existingOutputIsRefused() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("ds"));
        assertEquals(2, data("convert", "--from-folders", root.toString(), "--out", dir.toString()));
        assertTrue(err.toString().contains("already exists"), err.toString());
    }

    @Test
    void emptyClassFolderIsAnErrorNamingIt() throws IOException {
        Path empty = Files.createDirectories(root.resolve("fox"));
        Files.writeString(empty.resolve(".hidden"), "x");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DataConvert.fromFolders(root, tmp.resolve("ds"), 1));
        assertTrue(e.getMessage().contains(empty.toString()), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("ds")));
    }

    @Test
    void tooManyFilesIsAnError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DataConvert.fromFolders(root, tmp.resolve("ds"), 10));
        assertTrue(e.getMessage().contains("--files 10"), e.getMessage());
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(1, s.count(), "only the source tree remains");
        } catch (IOException ex) {
            throw new AssertionError(ex);
        }
    }

    @Test
    void exactlyOneSourceIsRequired() throws IOException {
        Path list = Files.writeString(tmp.resolve("label.txt"), "");
        assertEquals(2, data("convert", "--from-folders", root.toString(), "--from-label-list", list.toString(),
                "--out", tmp.resolve("ds").toString()));
        assertTrue(err.toString().contains("mutually exclusive"), err.toString());
        assertEquals(2, data("convert", "--out", tmp.resolve("ds").toString()));
        assertTrue(err.toString().contains("Missing required argument"), err.toString());
    }

    /** PLSC's plain input: images/*.jpg + label.txt. */
    private Path labelList(String extra) throws IOException {
        Path base = Files.createDirectories(tmp.resolve("plain/images"));
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < images.size(); i++) {
            String name = String.format("images/%08d.jpg", i);
            Files.write(base.getParent().resolve(name), images.get(i));
            text.append(name).append(i % 3 == 0 ? " " : " \t ").append(labels.get(i) * 7).append('\n');
            if (i == 4) {
                text.append("\n   \n");
            }
        }
        return Files.writeString(base.getParent().resolve("label.txt"), text + extra);
    }

    @Test
    void labelListRoundTrips() throws IOException {
        Path list = labelList("");
        Path dir = tmp.resolve("ds");
        assertEquals(0, data("convert", "--from-label-list", list.toString(), "--out", dir.toString(), "--files", "3"));
        assertEquals(3, PlscDataset.open(dir).files().size());
        List<PlscRecord> records = new ArrayList<>();
        for (int f = 0; f < 3; f++) {
            for (String line : Files.readAllLines(dir.resolve(String.format("part-%05d", f)))) {
                records.add(PlscRecord.parse(line, "x", 0, 0));
            }
        }
        assertEquals(images.size(), records.size());
        // Round-robin over 3 files of 9 records: file f holds records f, f+3, f+6.
        for (int i = 0; i < images.size(); i++) {
            PlscRecord r = records.get((i % 3) * 3 + i / 3);
            assertArrayEquals(images.get(i), r.image(), "record " + i);
            assertEquals(labels.get(i) * 7, r.label(), "record " + i);
        }
        assertFalse(Files.exists(dir.resolve(DataConvert.LABELS_TSV)));
        assertTrue(out.toString().contains("9 images, 3 classes → 3 file(s)"), out.toString());
    }

    private void assertListError(String extra, String... fragments) throws IOException {
        Path list = labelList(extra);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DataConvert.fromLabelList(list, tmp.resolve("ds"), 1));
        // 9 image lines + 2 blank lines: the extra line is line 12.
        assertTrue(e.getMessage().startsWith(list + " line 12: "), e.getMessage());
        for (String fragment : fragments) {
            assertTrue(e.getMessage().contains(fragment), e.getMessage());
        }
        assertFalse(Files.exists(tmp.resolve("ds")));
    }

    @Test
    void missingImageIsAnErrorNamingListAndLine() throws IOException {
        assertListError("images/missing.jpg 1\n", "images/missing.jpg", "does not exist");
    }

    @Test
    void badLabelsAreErrorsNamingListAndLine() throws IOException {
        assertListError("images/00000000.jpg -1\n", "'-1'", "non-negative integer");
        Files.delete(tmp.resolve("plain/label.txt"));
        assertListError("images/00000000.jpg cat\n", "'cat'", "non-negative integer");
    }

    @Test
    void wrongFieldCountIsAnErrorNamingListAndLine() throws IOException {
        assertListError("images/00000000.jpg 1 2\n", "expected 2 fields", "found 3");
        Files.delete(tmp.resolve("plain/label.txt"));
        assertListError("images/00000000.jpg\n", "found 1");
    }
}
