package org.plscj.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Training straight from insightface's train.rec + train.idx, and their image count beyond float32's 2^24. */
class RecordIoLoaderTest {
    private static final int S = 4;
    private static final ImageDecoder DECODER = new ImageDecoder(S, S, false);

    @TempDir
    Path tmp;

    private static byte[] png(int red) throws IOException {
        return TestPngs.png(S, (x, y) -> (red << 16) | (x * 40 << 8));
    }

    /** Writes dir/train.rec + dir/train.idx holding {@code payloads} under {@code keys}; returns dir. */
    private static Path write(Path dir, long[] keys, List<byte[]> payloads) throws IOException {
        Files.createDirectories(dir);
        ByteArrayOutputStream rec = new ByteArrayOutputStream();
        StringBuilder idx = new StringBuilder();
        for (int i = 0; i < keys.length; i++) {
            idx.append(keys[i]).append('\t').append(rec.size()).append('\n');
            RecordIoConvertTest.frame(rec, payloads.get(i));
        }
        Files.writeString(dir.resolve("train.idx"), idx);
        Files.write(dir.resolve("train.rec"), rec.toByteArray());
        return dir;
    }

    /** insightface's layout: header (n + 1, n + 3), images 1..n with label 2·k and red 2·k, two identity records. */
    private Path insightface(int n) throws IOException {
        List<byte[]> payloads = new ArrayList<>();
        long[] keys = new long[n + 3];
        payloads.add(RecordIoConvertTest.pack(new float[] {n + 1, n + 3}, new byte[0]));
        for (int k = 1; k <= n; k++) {
            payloads.add(RecordIoConvertTest.pack(new float[] {2 * k}, png(2 * k)));
        }
        payloads.add(RecordIoConvertTest.pack(new float[] {1, 2}, new byte[0]));
        payloads.add(RecordIoConvertTest.pack(new float[] {2, n + 1}, new byte[0]));
        for (int i = 0; i < keys.length; i++) {
            keys[i] = i;
        }
        return write(tmp.resolve("rec"), keys, payloads);
    }

    private ShardLoader.Options options(int rank, int world, int batch, boolean global) {
        return ShardLoader.Options.of(rank, world, batch, 99, Augmentation.DEFAULT, DECODER).withGlobalOrder(global)
                .withIndexCacheDir(tmp.resolve("cache"));
    }

    private List<ShardLoader.Batch> batches(Path dir, ShardLoader.Options options, int n) throws Exception {
        List<ShardLoader.Batch> out = new ArrayList<>();
        try (ShardLoader loader = ShardLoader.open(dir, options)) {
            for (int i = 0; i < n; i++) {
                out.add(loader.next());
            }
        }
        return out;
    }

    @Test
    void aTrainRecDirectoryTrainsLikeItsConversionInBothOrders() throws Exception {
        Path rec = insightface(13);
        Path converted = tmp.resolve("converted");
        DataConvert.fromRecordIo(rec.resolve("train.rec"), converted, 1);
        int[][] cases = {{0, 1, 3, 0}, {1, 2, 2, 0}, {0, 2, 2, 1}, {1, 2, 2, 1}};
        for (int[] c : cases) {
            ShardLoader.Options options = options(c[0], c[1], c[2], c[3] == 1);
            List<ShardLoader.Batch> fromRec = batches(rec, options, 9);
            List<ShardLoader.Batch> fromPlsc = batches(converted, options, 9);
            for (int i = 0; i < fromRec.size(); i++) {
                String what = "rank " + c[0] + " of " + c[1] + (c[3] == 1 ? " global" : " per_rank") + ", batch " + i;
                assertArrayEquals(fromPlsc.get(i).labels(), fromRec.get(i).labels(), what);
                assertArrayEquals(fromPlsc.get(i).images(), fromRec.get(i).images(), what);
                for (int j = 0; j < c[2]; j++) {
                    long label = fromRec.get(i).labels()[j];
                    assertEquals(ImageDecoder.normalise((int) label), fromRec.get(i).images()[j * DECODER.sampleSize()],
                            what + ": the image of label " + label);
                }
            }
        }
        assertTrue(Files.isRegularFile(rec.resolve("train.rec.idx")), "the loader's index beside train.rec");
        try (ShardLoader loader = ShardLoader.open(rec, options(0, 1, 1, false))) {
            assertEquals(13, loader.shardSize(), "images only: neither the header nor the identity records");
            assertEquals(26, loader.maxLabel());
        }
    }

    @Test
    void aCountBeyondFloat32IsTakenExactlyFromTheIdx() throws Exception {
        long end = 17_091_657; // the index after the last image: not a float32
        assertNotEquals(end, (long) (float) end, "precondition: float32 rounds it");
        List<byte[]> payloads = new ArrayList<>();
        List<Long> keys = new ArrayList<>();
        keys.add(0L);
        payloads.add(RecordIoConvertTest.pack(new float[] {end, end + 2}, new byte[0]));
        for (long k = end - 5; k < end; k++) { // the last five images only: a small file
            keys.add(k);
            payloads.add(RecordIoConvertTest.pack(new float[] {(float) (k - end + 5)}, png((int) (k - end + 5) * 30)));
        }
        keys.add(end);
        payloads.add(RecordIoConvertTest.pack(new float[] {end - 5, end - 2}, new byte[0]));
        keys.add(end + 1);
        payloads.add(RecordIoConvertTest.pack(new float[] {end - 2, end}, new byte[0]));
        Path dir = write(tmp.resolve("big"), keys.stream().mapToLong(Long::longValue).toArray(), payloads);
        Path rec = dir.resolve("train.rec");

        assertEquals(5, DataConvert.fromRecordIo(rec, tmp.resolve("converted"), 1).images(), "data convert");
        assertEquals(5, DatasetStats.compute(dir, PlscDataset.ReadOptions.strict()).images(), "data stats");
        try (ShardLoader loader = ShardLoader.open(dir, options(0, 1, 1, false))) {
            assertEquals(5, loader.shardSize(), "the loader");
        }
        try (RecordIo io = RecordIo.open(rec)) {
            assertArrayEquals(new long[] {end - 5, end - 4, end - 3, end - 2, end - 1}, io.imageKeys());
        }
    }

    @Test
    void aHeaderThatDisagreesWithTheIdxIsAnError() throws Exception {
        Path dir = insightface(3);
        Files.writeString(dir.resolve("train.idx"), String.join("\n", Files.readAllLines(dir.resolve("train.idx")).subList(0, 3)));
        PlscFormatException e = assertThrows(PlscFormatException.class, () -> ShardLoader.open(dir, options(0, 1, 1, false)));
        assertTrue(e.getMessage().contains(dir.resolve("train.rec") + ": header record 0 says the images are records 1..3"),
                e.getMessage());
        assertTrue(e.getMessage().contains("lists images up to record 2"), e.getMessage());
    }

    private long offset(Path dir, int key) throws IOException {
        return Long.parseLong(Files.readAllLines(dir.resolve("train.idx")).get(key).split("\t")[1]);
    }

    private void assertOpenFails(Path dir, String... fragments) {
        PlscFormatException e = assertThrows(PlscFormatException.class, () -> ShardLoader.open(dir, options(0, 1, 1, false)));
        for (String fragment : fragments) {
            assertTrue(e.getMessage().contains(fragment), e.getMessage());
        }
    }

    @Test
    void brokenFramingIsAnErrorNamingFileAndOffset() throws Exception {
        Path dir = insightface(3);
        Path rec = dir.resolve("train.rec");
        byte[] bytes = Files.readAllBytes(rec);
        bytes[(int) offset(dir, 2)] ^= 1;
        Files.write(rec, bytes);
        assertOpenFails(dir, rec + " record 2 at byte offset " + offset(dir, 2), "bad magic");
    }

    @Test
    void aTruncatedRecIsAnErrorNamingFileAndOffset() throws Exception {
        Path dir = insightface(3);
        Path rec = dir.resolve("train.rec");
        byte[] bytes = Files.readAllBytes(rec);
        Files.write(rec, java.util.Arrays.copyOf(bytes, (int) offset(dir, 3) + 12));
        assertOpenFails(dir, rec + " record 3 at byte offset " + offset(dir, 3), "truncated");
    }

    @Test
    void anIdxOffsetPastTheEndIsAnErrorNamingTheIdx() throws Exception {
        Path dir = insightface(3);
        List<String> idx = new ArrayList<>(Files.readAllLines(dir.resolve("train.idx")));
        idx.set(2, "2\t99999");
        Files.write(dir.resolve("train.idx"), idx);
        assertOpenFails(dir, "record 2 at byte offset 99999", dir.resolve("train.idx") + " points past the end");
    }

    @Test
    void anIdxKeyTheRecLacksIsAnError() throws Exception {
        Path dir = insightface(3);
        List<String> idx = new ArrayList<>(Files.readAllLines(dir.resolve("train.idx")));
        long inside = offset(dir, 2) + 8; // not a record's start: inside record 2
        idx.set(3, "3\t" + inside);
        Files.write(dir.resolve("train.idx"), idx);
        assertOpenFails(dir, "record 3 at byte offset " + inside, "bad magic");
    }

    @Test
    void statsAcceptATrainRecDirectory() throws Exception {
        DatasetStats stats = DatasetStats.compute(insightface(4), PlscDataset.ReadOptions.strict());
        assertEquals(1, stats.files());
        assertEquals(4, stats.images());
        assertEquals(4, stats.classes());
        assertEquals(2, stats.minLabel());
        assertEquals(8, stats.maxLabel());
    }
}
