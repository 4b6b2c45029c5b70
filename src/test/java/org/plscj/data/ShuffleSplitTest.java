package org.plscj.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShuffleSplitTest {
    private static final int N = 1003;
    private static final int RANKS = 4;

    @TempDir
    Path tmp;
    private Path source;
    private long eightBucketBudget;

    /** 1,003 distinct records over three source files. */
    @BeforeEach
    void writeSource() throws IOException {
        source = tmp.resolve("src");
        try (PlscWriter w = PlscWriter.create(source)) {
            for (int i = 0; i < N; i++) {
                if (i % 400 == 0) {
                    w.startFile("f" + i);
                }
                w.write(("image-" + i).getBytes(), i % 37);
            }
        }
        long bytes = PlscDataset.open(source).totalBytes();
        eightBucketBudget = (2 * bytes + 7) / 8;
    }

    private ShuffleSplit.Result split(String out, long seed, boolean dropRemainder) throws IOException {
        return ShuffleSplit.run(source, tmp.resolve(out),
                new ShuffleSplit.Config(RANKS, seed, eightBucketBudget, dropRemainder, false));
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

    private static Map<String, Integer> multiset(List<String> lines) {
        Map<String, Integer> counts = new HashMap<>();
        lines.forEach(l -> counts.merge(l, 1, Integer::sum));
        return counts;
    }

    private List<String> allLines(Path dir) throws IOException {
        List<String> lines = new ArrayList<>();
        for (Path f : PlscDataset.open(dir).files()) {
            lines.addAll(Files.readAllLines(f));
        }
        return lines;
    }

    @Test
    void everyRankFileGetsCeilLinesAndPaddingRepeatsExistingRecords() throws IOException {
        ShuffleSplit.Result r = split("out", 7, false);
        assertEquals(8, r.buckets());
        assertEquals(1, r.padding());
        Path out = tmp.resolve("out");
        assertEquals(List.of("part-00000", "part-00001", "part-00002", "part-00003"),
                Files.readAllLines(out.resolve("file_list.txt")));
        for (Path f : PlscDataset.open(out).files()) {
            assertEquals(251, Files.readAllLines(f).size(), f.toString());
        }
        Map<String, Integer> in = multiset(allLines(source));
        Map<String, Integer> got = multiset(allLines(out));
        assertEquals(in.keySet(), got.keySet());
        assertEquals(1, got.values().stream().filter(c -> c == 2).count());
        assertEquals(N + 1, got.values().stream().mapToInt(Integer::intValue).sum());
        try (Stream<Path> siblings = Files.list(tmp)) {
            assertEquals(2, siblings.count(), "no temporary directory is left behind");
        }
    }

    @Test
    void sameSeedIsByteIdenticalAndAnotherSeedReorders() throws IOException {
        split("a", 7, false);
        split("b", 7, false);
        split("c", 8, false);
        Map<Path, byte[]> a = snapshot(tmp.resolve("a"));
        Map<Path, byte[]> b = snapshot(tmp.resolve("b"));
        assertEquals(a.keySet(), b.keySet());
        a.forEach((k, v) -> assertArrayEquals(v, b.get(k), k.toString()));
        assertNotEquals(allLines(tmp.resolve("a")), allLines(tmp.resolve("c")));
    }

    @Test
    void shuffleActuallyMixesTheSourceOrder() throws IOException {
        split("out", 7, false);
        assertNotEquals(allLines(source), allLines(tmp.resolve("out")).subList(0, N));
    }

    @Test
    void dropRemainderGivesFloorLinesAndNoRepeats() throws IOException {
        ShuffleSplit.Result r = split("out", 7, true);
        assertEquals(250, r.linesPerFile());
        assertEquals(0, r.padding());
        for (Path f : PlscDataset.open(tmp.resolve("out")).files()) {
            assertEquals(250, Files.readAllLines(f).size());
        }
        List<String> got = allLines(tmp.resolve("out"));
        assertEquals(got.size(), multiset(got).size());
    }

    @Test
    void sourcesAreUntouched() throws IOException {
        Map<Path, byte[]> before = snapshot(source);
        split("out", 7, false);
        Map<Path, byte[]> after = snapshot(source);
        assertEquals(before.keySet(), after.keySet());
        before.forEach((k, v) -> assertArrayEquals(v, after.get(k), k.toString()));
    }

    @Test
    void existingOutputIsRefusedAndLeftAlone() throws IOException {
        Path out = Files.createDirectory(tmp.resolve("out"));
        Files.writeString(out.resolve("keep"), "mine");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> split("out", 7, false));
        assertTrue(e.getMessage().contains("already exists"), e.getMessage());
        assertEquals("mine", Files.readString(out.resolve("keep")));
        try (Stream<Path> entries = Files.list(out); Stream<Path> siblings = Files.list(tmp)) {
            assertEquals(1, entries.count());
            assertEquals(2, siblings.count());
        }
    }

    @Test
    void badRecordFailsWithoutOutputOrTempDirectory() throws IOException {
        Files.writeString(source.resolve("f400"), "broken line\n", java.nio.file.StandardOpenOption.APPEND);
        PlscFormatException e = assertThrows(PlscFormatException.class, () -> split("out", 7, false));
        assertTrue(e.getMessage().contains("f400 line 401"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("out")));
        try (Stream<Path> siblings = Files.list(tmp)) {
            assertEquals(1, siblings.count());
        }
    }

    @Test
    void skipBadDropsAndCountsBadRecords() throws IOException {
        Files.writeString(source.resolve("f400"), "broken line\n", java.nio.file.StandardOpenOption.APPEND);
        ShuffleSplit.Result r = ShuffleSplit.run(source, tmp.resolve("out"),
                new ShuffleSplit.Config(RANKS, 7, eightBucketBudget, false, true));
        assertEquals(N, r.records());
        assertEquals(1, r.bad().count(BadReason.NO_TAB));
    }

    @Test
    void bucketCountFitsTheBudgetAndIsCapped() {
        assertEquals(1, ShuffleSplit.bucketCount(0, 100));
        assertEquals(1, ShuffleSplit.bucketCount(50, 100));
        assertEquals(3, ShuffleSplit.bucketCount(101, 100));
        assertThrows(IllegalArgumentException.class, () -> ShuffleSplit.bucketCount(1_000_000, 10));
    }

    @Test
    void fewerRecordsThanRanksArePaddedByCycling() throws IOException {
        Path small = tmp.resolve("small");
        try (PlscWriter w = PlscWriter.create(small)) {
            w.startFile("f");
            w.write(new byte[] {1}, 0);
            w.write(new byte[] {2}, 1);
        }
        ShuffleSplit.Result r = ShuffleSplit.run(small, tmp.resolve("o"),
                new ShuffleSplit.Config(5, 1, 1 << 20, false, false));
        assertEquals(3, r.padding());
        assertEquals(5, allLines(tmp.resolve("o")).size());
        assertThrows(IllegalArgumentException.class, () -> ShuffleSplit.run(small, tmp.resolve("p"),
                new ShuffleSplit.Config(5, 1, 1 << 20, true, false)));
        assertFalse(Files.exists(tmp.resolve("p")));
    }

    @Test
    void autoKeepsOnlyOffsetsWhenTheInputFitsHalfTheAvailableMemory() {
        assertEquals(ShuffleSplit.BucketContents.OFFSETS, ShuffleSplit.BucketContents.AUTO.resolve(500, 1000));
        assertEquals(ShuffleSplit.BucketContents.LINES, ShuffleSplit.BucketContents.AUTO.resolve(501, 1000));
        assertEquals(ShuffleSplit.BucketContents.LINES, ShuffleSplit.BucketContents.LINES.resolve(1, 1000));
        assertEquals(ShuffleSplit.BucketContents.OFFSETS, ShuffleSplit.BucketContents.OFFSETS.resolve(5000, 1000));
    }

    /** Offset buckets over the source's first file, one line added to bucket 0. */
    private OffsetBuckets oneLineBucket(Path file) throws IOException {
        Path bucket = tmp.resolve("bucket");
        OffsetBuckets buckets = new OffsetBuckets(List.of(bucket), List.of(file), 1024);
        byte[] text = Files.readAllBytes(file);
        int end = 0;
        while (text[end] != '\n') {
            end++;
        }
        int start = 10;
        buckets.add(0, text, start, end, 0, start);
        return buckets;
    }

    @Test
    void offsetBucketsReadTheirLinesBackFromTheSource() throws IOException {
        Path file = source.resolve("f0");
        String first = Files.readAllLines(file).get(0);
        try (OffsetBuckets buckets = oneLineBucket(file)) {
            buckets.scattered();
            ShuffleBuckets.Loaded loaded = buckets.load(0, new byte[0]);
            assertEquals(first.substring(10) + "\n", new String(loaded.bytes(), 0, loaded.size(), java.nio.charset.StandardCharsets.US_ASCII));
            assertFalse(Files.exists(tmp.resolve("bucket")), "a loaded bucket's file is deleted");
        }
    }

    @Test
    void aSourceChangedDuringTheShuffleIsAnErrorNamingIt() throws IOException {
        Path file = source.resolve("f0");
        try (OffsetBuckets buckets = oneLineBucket(file)) {
            Files.writeString(file, "appended\t1\n", java.nio.file.StandardOpenOption.APPEND);
            IOException e = assertThrows(IOException.class, buckets::scattered);
            assertTrue(e.getMessage().contains(file + " changed while it was being shuffled"), e.getMessage());
        }
    }

    @Test
    void aSourceCutShortAfterTheScatterIsAnErrorNamingFileAndOffset() throws IOException {
        Path file = source.resolve("f0");
        try (OffsetBuckets buckets = oneLineBucket(file)) {
            buckets.scattered();
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
                ch.truncate(12);
            }
            IOException e = assertThrows(IOException.class, () -> buckets.load(0, new byte[0]));
            assertTrue(e.getMessage().contains(file + " ended at byte 12, inside the line at byte offset 10"), e.getMessage());
        }
    }
}
