package org.plscj.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShardLoaderTest {
    private static final int S = 8;
    private static final ImageDecoder DECODER = new ImageDecoder(S, S, false);
    private static final int[] FILE_SIZES = {7, 5, 9}; // 21 records, labels 0..20 in file-list order

    @TempDir
    Path tmp;

    /** An 8×8 PNG whose red channel is {@code id} everywhere; green varies by column (so mirroring shows). */
    private static byte[] png(int id) throws IOException {
        return TestPngs.png(S, (x, y) -> (id << 16) | ((10 * x) << 8) | 200);
    }

    /** Files f0, f1, f2 with {@link #FILE_SIZES} records; record k (global order) has label k. */
    private Path dataset() throws IOException {
        Path dir = tmp.resolve("ds");
        try (PlscWriter w = PlscWriter.create(dir)) {
            int id = 0;
            for (int f = 0; f < FILE_SIZES.length; f++) {
                w.startFile("f" + f);
                for (int i = 0; i < FILE_SIZES[f]; i++, id++) {
                    w.write(png(id), id);
                }
            }
        }
        return dir;
    }

    private static ShardLoader.Options options(int rank, int world, int batch) {
        return ShardLoader.Options.of(rank, world, batch, 1234L, Augmentation.DEFAULT, DECODER);
    }

    private static List<ShardLoader.Batch> take(ShardLoader loader, int n) throws InterruptedException {
        List<ShardLoader.Batch> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(loader.next());
        }
        return out;
    }

    /** Labels of one epoch, with batch size 1 (so nothing is dropped). */
    private static Set<Long> epochLabels(Path dir, int rank, int world) throws Exception {
        try (ShardLoader loader = ShardLoader.open(dir, options(rank, world, 1))) {
            Set<Long> labels = new TreeSet<>();
            for (ShardLoader.Batch b : take(loader, loader.batchesPerEpoch())) {
                assertEquals(0, b.epoch());
                labels.add(b.labels()[0]);
            }
            assertEquals(loader.shardSize(), labels.size(), "an epoch visits each record once");
            return labels;
        }
    }

    private static Set<Long> range(long from, long to) {
        Set<Long> s = new TreeSet<>();
        for (long i = from; i < to; i++) {
            s.add(i);
        }
        return s;
    }

    /** Per step, the concatenation over ranks of (label, hash of the decoded image) of every sample, for {@code steps} steps. */
    private static List<List<Object>> globalBatches(Path dir, int world, int globalBatch, int steps) throws Exception {
        List<List<Object>> out = new ArrayList<>();
        List<ShardLoader> loaders = new ArrayList<>();
        try {
            for (int rank = 0; rank < world; rank++) {
                loaders.add(ShardLoader.open(dir, options(rank, world, globalBatch / world).withGlobalOrder(true), 0, 1));
            }
            for (int s = 0; s < steps; s++) {
                List<Object> step = new ArrayList<>();
                for (ShardLoader loader : loaders) {
                    ShardLoader.Batch b = loader.next();
                    int size = b.images().length / b.labels().length;
                    for (int j = 0; j < b.labels().length; j++) {
                        step.add(b.labels()[j]);
                        step.add(java.util.Arrays.hashCode(java.util.Arrays.copyOfRange(b.images(), j * size, (j + 1) * size)));
                    }
                }
                out.add(step);
            }
        } finally {
            loaders.forEach(ShardLoader::close);
        }
        return out;
    }

    @Test
    void globalOrderGivesTheSameGlobalBatchesOnAnyWorldSize() throws Exception {
        Path dir = dataset();
        // 21 records, global batch 4 → 5 steps per epoch on every world size; start at step 1, run into epoch 1
        List<List<Object>> one = globalBatches(dir, 1, 4, 7);
        List<List<Object>> two = globalBatches(dir, 2, 4, 7);
        List<List<Object>> four = globalBatches(dir, 4, 4, 7);
        // labels and decoded pixels (so the mirroring too) of every sample of every step agree
        assertEquals(one, two, "2 workers");
        assertEquals(one, four, "4 workers");
        try (ShardLoader loader = ShardLoader.open(dir, options(1, 2, 2).withGlobalOrder(true))) {
            assertEquals(5, loader.batchesPerEpoch(), "steps per epoch depend on the global batch");
            assertEquals(21, loader.shardSize(), "every worker holds every record");
        }
        List<Long> labels = one.stream().flatMap(step -> step.stream().filter(x -> x instanceof Long).map(x -> (Long) x)).toList();
        assertTrue(!labels.equals(labels.stream().sorted().toList()), "the order is shuffled: " + labels);
    }

    @Test
    void rankReadsItsFileWhenFileCountEqualsWorldSize() throws Exception {
        Path dir = dataset();
        assertEquals(range(0, 7), epochLabels(dir, 0, 3));
        assertEquals(range(7, 12), epochLabels(dir, 1, 3));
        assertEquals(range(12, 21), epochLabels(dir, 2, 3));
    }

    @Test
    void anyCountPartitionsAllRecordsDisjointlyAndEqually() throws Exception {
        Path dir = dataset();
        for (int world : new int[] {1, 2, 4, 5}) {
            Set<Long> union = new HashSet<>();
            for (int rank = 0; rank < world; rank++) {
                Set<Long> labels = epochLabels(dir, rank, world);
                assertEquals(21 / world, labels.size(), "world " + world + " rank " + rank);
                for (long l : labels) {
                    assertEquals(rank, l % world, "record " + l + " in world " + world);
                    assertTrue(union.add(l), "record " + l + " on two ranks");
                }
            }
            assertEquals(range(0, (21 / world) * world), union, "world " + world + ": the tail only is dropped");
        }
    }

    @Test
    void epochOrderIsDeterministicAndDiffersBetweenEpochs() throws Exception {
        Path dir = dataset();
        List<ShardLoader.Batch> a;
        List<ShardLoader.Batch> b;
        int bpe;
        try (ShardLoader loader = ShardLoader.open(dir, options(0, 1, 4))) {
            bpe = loader.batchesPerEpoch();
            assertEquals(5, bpe); // 21 records, batches of 4, one record dropped per epoch
            a = take(loader, 2 * bpe);
        }
        try (ShardLoader loader = ShardLoader.open(dir, options(0, 1, 4).withDecodeThreads(3).withPrefetch(1))) {
            b = take(loader, 2 * bpe);
        }
        List<Long> epoch0 = new ArrayList<>();
        List<Long> epoch1 = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
            assertEquals(i / bpe, a.get(i).epoch());
            assertEquals(i % bpe, a.get(i).index());
            assertArrayEquals(a.get(i).labels(), b.get(i).labels(), "batch " + i);
            assertArrayEquals(a.get(i).images(), b.get(i).images(), "batch " + i);
            for (long l : a.get(i).labels()) {
                (i < bpe ? epoch0 : epoch1).add(l);
            }
        }
        assertNotEquals(epoch0, epoch1);
        assertEquals(20, new HashSet<>(epoch0).size());
    }

    @Test
    void resumingYieldsTheSameBatchesAsSkipping() throws Exception {
        Path dir = dataset();
        List<ShardLoader.Batch> full;
        try (ShardLoader loader = ShardLoader.open(dir, options(1, 2, 3))) {
            assertEquals(3, loader.batchesPerEpoch()); // 10 records, batches of 3
            full = take(loader, 3 + 2 + 5).subList(5, 10); // skip epoch 0 and batches 0, 1 of epoch 1
        }
        try (ShardLoader loader = ShardLoader.open(dir, options(1, 2, 3), 1, 2)) {
            List<ShardLoader.Batch> resumed = take(loader, 5);
            for (int i = 0; i < 5; i++) {
                assertEquals(full.get(i).epoch(), resumed.get(i).epoch());
                assertEquals(full.get(i).index(), resumed.get(i).index());
                assertArrayEquals(full.get(i).labels(), resumed.get(i).labels());
                assertArrayEquals(full.get(i).images(), resumed.get(i).images());
            }
            assertEquals(1, resumed.get(0).epoch());
            assertEquals(2, resumed.get(0).index());
            assertTrue(loader.waitNanos() >= 0);
        }
    }

    @Test
    void labelsMatchTheImagesAndMirroringHappens() throws Exception {
        Path dir = dataset();
        int size = DECODER.sampleSize();
        int plane = S * S;
        int mirrored = 0;
        int plain = 0;
        try (ShardLoader loader = ShardLoader.open(dir, options(0, 1, 7))) {
            for (ShardLoader.Batch b : take(loader, 6)) {
                assertEquals(7 * size, b.images().length);
                for (int j = 0; j < 7; j++) {
                    int off = j * size;
                    assertEquals(ImageDecoder.normalise((int) b.labels()[j]), b.images()[off], "red = label");
                    // green at column 0 is 0 unmirrored, 70 mirrored
                    float g0 = b.images()[off + plane];
                    if (g0 == ImageDecoder.normalise(70)) {
                        mirrored++;
                    } else {
                        assertEquals(ImageDecoder.normalise(0), g0);
                        plain++;
                    }
                }
            }
        }
        assertTrue(mirrored > 0 && plain > 0, mirrored + " mirrored, " + plain + " plain");
    }

    @Test
    void corruptImageIsReportedWithFileAndLine() throws Exception {
        Path dir = tmp.resolve("bad");
        try (PlscWriter w = PlscWriter.create(dir)) {
            w.startFile("only");
            w.write(png(0), 0);
            w.write(png(1), 1);
            w.write(new byte[] {1, 2, 3, 4, 5}, 2);
            w.write(png(3), 3);
        }
        try (ShardLoader loader = ShardLoader.open(dir, options(0, 1, 4))) {
            PlscFormatException e = assertThrows(PlscFormatException.class, loader::next);
            assertTrue(e.getMessage().contains(dir.resolve("only") + " line 3"), e.getMessage());
            assertThrows(PlscFormatException.class, loader::next, "the failure sticks");
        }
    }

    /** One file: a good record, a line without a tab, a 2,000-byte line (over the 1,000-byte limit), then an undecodable image, then good ones. */
    private Path dataWithBadLines() throws IOException {
        Path dir = tmp.resolve("skip");
        try (PlscWriter w = PlscWriter.create(dir)) {
            w.startFile("only");
            w.write(png(0), 0);
            w.writeLine("no tab on this line");
            w.writeLine("A".repeat(2000) + "\t1");
            w.write(new byte[] {1, 2, 3, 4, 5}, 2);
            w.write(png(3), 3);
        }
        return dir;
    }

    @Test
    void skipBadLeavesOutBadLinesCountsThemAndStillNamesLaterRecordsByTheirLine() throws Exception {
        Path dir = dataWithBadLines();
        ShardLoader.Options options = options(0, 1, 3).withMaxLineBytes(1000).withSkipBad(true);
        try (ShardLoader loader = ShardLoader.open(dir, options)) {
            assertEquals(3, loader.shardSize());
            assertEquals(1, loader.badRecords().count(BadReason.NO_TAB));
            assertEquals(1, loader.badRecords().count(BadReason.LINE_TOO_LONG));
            assertTrue(loader.badRecords().report().contains(dir.resolve("only") + " line 2"), loader.badRecords().report());
            // the undecodable image is the third record but the file's fourth line
            PlscFormatException e = assertThrows(PlscFormatException.class, loader::next);
            assertTrue(e.getMessage().contains(dir.resolve("only") + " line 4"), e.getMessage());
        }
    }

    @Test
    void withoutSkipBadACachedIndexThatLeftLinesOutIsRefusedNamingTheFirst() throws Exception {
        Path dir = dataWithBadLines();
        ShardLoader.open(dir, options(0, 1, 3).withMaxLineBytes(1000).withSkipBad(true)).close();
        PlscFormatException e = assertThrows(PlscFormatException.class,
                () -> ShardLoader.open(dir, options(0, 1, 3).withMaxLineBytes(1000)));
        assertTrue(e.getMessage().contains(dir.resolve("only") + " line 2: " + BadReason.NO_TAB.description()), e.getMessage());
        assertEquals(BadReason.NO_TAB, e.reason());
    }

    @Test
    void closeEndsTheThreads() throws Exception {
        Path dir = dataset();
        Set<Thread> before = loaderThreads();
        ShardLoader loader = ShardLoader.open(dir, options(0, 1, 2).withDecodeThreads(2).withPrefetch(2));
        Set<Thread> threads = loaderThreads();
        threads.removeAll(before);
        assertEquals(2, threads.size());
        loader.next();
        Thread.sleep(50); // let the threads fill their queues and block
        loader.close();
        loader.close();
        for (Thread t : threads) {
            assertFalse(t.isAlive(), t.getName());
        }
        assertThrows(IllegalStateException.class, loader::next);
    }

    @Test
    void rejectsBadArguments() throws Exception {
        Path dir = dataset();
        assertThrows(IllegalArgumentException.class, () -> options(2, 2, 1));
        assertThrows(IllegalArgumentException.class, () -> ShardLoader.open(dir, options(0, 1, 30)));
        assertThrows(IllegalArgumentException.class, () -> ShardLoader.open(dir, options(0, 1, 4), 0, 5));
    }

    /** The live threads named as the loader names its decode threads. */
    private static Set<Thread> loaderThreads() {
        Set<Thread> live = new HashSet<>(Thread.getAllStackTraces().keySet());
        live.removeIf(t -> !t.getName().startsWith("plscj-loader-"));
        return live;
    }
}
