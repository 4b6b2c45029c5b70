package org.plscj.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The loader's cached offset indexes: where they go, when they are reused, and that a stale one is never trusted. */
class RecordIndexFileTest {
    private static final int S = 4;
    private static final ImageDecoder DECODER = new ImageDecoder(S, S, false);

    @TempDir
    Path tmp;

    /** A PNG whose every red value is {@code id}. */
    private static byte[] png(int id) throws IOException {
        return TestPngs.png(S, (x, y) -> id << 16);
    }

    /** One data file "part-00000" whose record k has label {@code first + k} and red value {@code first + k}. */
    private Path dataset(String name, int first, int n) throws IOException {
        Path dir = tmp.resolve(name);
        try (PlscWriter w = PlscWriter.create(dir)) {
            w.startFile("part-00000");
            for (int k = 0; k < n; k++) {
                w.write(png(first + k), first + k);
            }
        }
        return dir;
    }

    private ShardLoader.Options options() {
        return ShardLoader.Options.of(0, 1, 1, 5, Augmentation.NONE, DECODER).withIndexCacheDir(tmp.resolve("cache"));
    }

    /** The labels of one epoch, checking each image's red value equals its label (so the bytes read are the record's). */
    private List<Long> epoch(Path dir, ShardLoader.Options options) throws Exception {
        List<Long> labels = new ArrayList<>();
        try (ShardLoader loader = ShardLoader.open(dir, options)) {
            for (int b = 0; b < loader.batchesPerEpoch(); b++) {
                ShardLoader.Batch batch = loader.next();
                assertEquals(ImageDecoder.normalise((int) batch.labels()[0]), batch.images()[0], "image of label " + batch.labels()[0]);
                labels.add(batch.labels()[0]);
            }
        }
        labels.sort(null);
        return labels;
    }

    private static List<Long> range(long from, long to) {
        return java.util.stream.LongStream.range(from, to).boxed().toList();
    }

    private List<Path> cached() throws IOException {
        Path cache = tmp.resolve("cache");
        if (!Files.isDirectory(cache)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(cache)) {
            return s.toList();
        }
    }

    @Test
    void indexIsWrittenBesideTheDataFileAndReusedWhileTheFileIsUnchanged() throws Exception {
        Path dir = dataset("ds", 10, 6);
        assertEquals(range(10, 16), epoch(dir, options()));
        Path index = dir.resolve("part-00000.idx");
        assertTrue(Files.isRegularFile(index), "part-00000.idx beside part-00000");
        assertEquals(RecordIndexFile.count(index), 6);
        FileTime marked = FileTime.fromMillis(1_000_000_000_000L);
        Files.setLastModifiedTime(index, marked);
        assertEquals(range(10, 16), epoch(dir, options()));
        assertEquals(marked, Files.getLastModifiedTime(index), "a valid index is read, not rewritten");
        assertEquals(List.of(), cached(), "nothing in the cache directory");
    }

    @Test
    void indexOfAChangedDataFileIsRebuiltNotTrusted() throws Exception {
        Path dir = dataset("ds", 10, 6);
        Path data = dir.resolve("part-00000");
        assertEquals(range(10, 16), epoch(dir, options()));
        // same length, other records, the old mtime kept: only the content differs... and then the mtime
        Path other = dataset("other", 20, 6);
        byte[] replacement = Files.readAllBytes(other.resolve("part-00000"));
        FileTime mtime = Files.getLastModifiedTime(data);
        Files.write(data, replacement);
        Files.setLastModifiedTime(data, FileTime.fromMillis(mtime.toMillis() + 5_000));
        assertEquals(range(20, 26), epoch(dir, options()), "records of the new content");
        // a different size with the same mtime
        byte[] longer = Files.readAllBytes(dataset("longer", 30, 8).resolve("part-00000"));
        FileTime now = Files.getLastModifiedTime(data);
        Files.write(data, longer);
        Files.setLastModifiedTime(data, now);
        assertEquals(range(30, 38), epoch(dir, options()), "records of the longer content");
    }

    @Test
    void whenTheIndexNameIsTakenTheIndexGoesToTheCacheDirectory() throws Exception {
        Path dir = dataset("ds", 10, 6);
        Path foreign = dir.resolve("part-00000.idx");
        Files.writeString(foreign, "someone else's file\n");
        assertEquals(range(10, 16), epoch(dir, options()));
        assertEquals("someone else's file\n", Files.readString(foreign), "a file that is not an index is never overwritten");
        assertEquals(1, cached().size(), cached().toString());
        assertTrue(cached().get(0).getFileName().toString().endsWith("-part-00000.idx"), cached().toString());
        assertEquals(range(10, 16), epoch(dir, options()), "the cached index is used on the next open");
    }

    @Test
    void aCorruptIndexIsRebuilt() throws Exception {
        Path dir = dataset("ds", 10, 6);
        epoch(dir, options());
        Path index = dir.resolve("part-00000.idx");
        FileTime mtime = Files.getLastModifiedTime(index);
        try (FileChannel ch = FileChannel.open(index, StandardOpenOption.WRITE)) {
            ch.truncate(Files.size(index) - 5);
        }
        Files.setLastModifiedTime(index, mtime);
        assertEquals(range(10, 16), epoch(dir, options()));
        assertEquals(6, RecordIndexFile.count(index));
    }

    @Test
    void aLineLongerThanTheLimitIsAnErrorNamingFileLineAndOffset() throws Exception {
        Path dir = dataset("ds", 10, 3);
        Path data = dir.resolve("part-00000");
        List<String> lines = new ArrayList<>(Files.readAllLines(data));
        long offset = lines.stream().mapToLong(l -> l.length() + 1).sum();
        lines.add("QUFB".repeat(300) + "\t7");
        Files.write(data, lines);
        PlscFormatException e = assertThrows(PlscFormatException.class,
                () -> ShardLoader.open(dir, options().withMaxLineBytes(1000)));
        assertTrue(e.getMessage().contains(data + " line 4"), e.getMessage());
        assertTrue(e.getMessage().contains("byte offset " + offset), e.getMessage());
        assertTrue(e.getMessage().contains("1000 bytes"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("part-00000.idx")), "no index of a bad file");
        try (ShardLoader loader = ShardLoader.open(dir, options().withMaxLineBytes(1300))) {
            assertEquals(4, loader.shardSize(), "under a higher limit the line is a record");
        }
    }

    @Test
    void aBadRecordFailsAtOpenNamingFileAndLine() throws Exception {
        Path dir = dataset("ds", 10, 3);
        Path data = dir.resolve("part-00000");
        Files.writeString(data, "not base64!\t4\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        PlscFormatException e = assertThrows(PlscFormatException.class, () -> ShardLoader.open(dir, options()));
        assertTrue(e.getMessage().contains(data + " line 4"), e.getMessage());
        assertEquals(BadReason.BAD_BASE64, e.reason());
    }

    @Test
    void aDataFileTruncatedAfterOpeningIsAnErrorNamingFileAndLine() throws Exception {
        Path dir = dataset("ds", 10, 4);
        Path data = dir.resolve("part-00000");
        try (ShardLoader loader = ShardLoader.open(dir, options().withPrefetch(1).withDecodeThreads(1))) {
            long keep = Files.readAllLines(data).get(0).length() / 2;
            try (FileChannel ch = FileChannel.open(data, StandardOpenOption.WRITE)) {
                ch.truncate(keep);
            }
            // the first batch may already be decoded; a later one needs a record past the new end
            RuntimeException e = assertThrows(RuntimeException.class, () -> {
                for (int i = 0; i < 4; i++) {
                    loader.next();
                }
            });
            assertTrue(e.getMessage().contains(data + " line "), e.getMessage());
            assertTrue(e.getMessage().contains("ends at byte " + keep), e.getMessage());
        }
    }

    @Test
    void globalOrderReadsThroughTheSameIndexes() throws Exception {
        Path dir = dataset("ds", 10, 6);
        ShardLoader.Options global = ShardLoader.Options.of(1, 2, 1, 5, Augmentation.NONE, DECODER).withGlobalOrder(true)
                .withIndexCacheDir(tmp.resolve("cache"));
        try (ShardLoader loader = ShardLoader.open(dir, global)) {
            assertEquals(6, loader.shardSize(), "every record is indexed");
            assertEquals(15, loader.maxLabel());
        }
        assertTrue(Files.isRegularFile(dir.resolve("part-00000.idx")));
    }

    @Test
    void arraysOfTheIndexMatchTheRecords() throws Exception {
        Path dir = dataset("ds", 10, 3);
        epoch(dir, options());
        List<Integer> labels = new ArrayList<>();
        List<Integer> lengths = new ArrayList<>();
        RecordIndexFile.read(dir.resolve("part-00000.idx"), (offset, length, label) -> {
            labels.add(label);
            lengths.add(length);
        });
        assertEquals(List.of(10, 11, 12), labels);
        List<String> lines = Files.readAllLines(dir.resolve("part-00000"));
        for (int k = 0; k < 3; k++) {
            assertEquals(lines.get(k).indexOf('\t'), lengths.get(k), "record " + k + ": the base64 length");
        }
        assertArrayEquals(png(10), java.util.Base64.getDecoder().decode(lines.get(0).substring(0, lengths.get(0))));
    }
}
