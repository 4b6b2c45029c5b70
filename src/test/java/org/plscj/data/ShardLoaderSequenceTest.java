package org.plscj.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pins the loader's batch sequence to the contract it had when it held every record in memory: a reference
 * implementation of that contract, kept here, computes each batch from the records read whole; the loader's
 * batches (labels and decoded pixels, so the mirroring too) must equal it exactly, in both data orders, so
 * checkpoints saved before the streaming loader resume onto the same data.
 */
class ShardLoaderSequenceTest {
    private static final int S = 8;
    private static final ImageDecoder DECODER = new ImageDecoder(S, S, false);
    private static final long SEED = 77;
    private static final int[] FILE_SIZES = {6, 11, 4}; // 21 records; label of record k = 3·k + 1 (distinct)

    @TempDir
    Path tmp;

    private static byte[] png(int id) throws IOException {
        return TestPngs.png(S, (x, y) -> ((id * 7) % 256 << 16) | ((13 * x + y) << 8) | (id % 200));
    }

    private Path dataset() throws IOException {
        Path dir = tmp.resolve("ds");
        try (PlscWriter w = PlscWriter.create(dir)) {
            int k = 0;
            for (int f = 0; f < FILE_SIZES.length; f++) {
                w.startFile("part-" + f);
                for (int i = 0; i < FILE_SIZES[f]; i++, k++) {
                    w.write(png(k), 3 * k + 1);
                }
            }
        }
        return dir;
    }

    /** The reference: the contract of the ShardLoader class comment, over records held in memory. */
    private static List<ShardLoader.Batch> reference(Path dir, int rank, int world, int batch, boolean global,
            int epochs) throws IOException {
        List<List<PlscRecord>> files = new ArrayList<>();
        PlscDataset dataset = PlscDataset.open(dir);
        for (Path file : dataset.files()) {
            List<PlscRecord> records = new ArrayList<>();
            for (PlscRecord r : all(dir)) {
                if (r.file().equals(file.toString())) {
                    records.add(r);
                }
            }
            files.add(records);
        }
        List<PlscRecord> shard = new ArrayList<>();
        int r = global ? 0 : rank;
        int w = global ? 1 : world;
        if (files.size() == w) {
            shard.addAll(files.get(r));
        } else {
            List<PlscRecord> every = files.stream().flatMap(List::stream).toList();
            for (int i = 0; i < every.size(); i++) {
                if (i % w == r) {
                    shard.add(every.get(i));
                }
            }
            shard = shard.subList(0, every.size() / w);
        }
        long perStep = global ? (long) batch * world : batch;
        long offset = global ? (long) rank * batch : 0;
        long stream = global ? -2 : rank;
        int batches = (int) (shard.size() / perStep);
        List<ShardLoader.Batch> out = new ArrayList<>();
        for (int e = 0; e < epochs; e++) {
            SplittableRandom rng = Augmentation.sampleRandom(SEED, e, stream, -1);
            int[] order = new int[shard.size()];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            for (int i = order.length - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            for (int b = 0; b < batches; b++) {
                float[] images = new float[batch * DECODER.sampleSize()];
                long[] labels = new long[batch];
                for (int j = 0; j < batch; j++) {
                    long p = b * perStep + offset + j;
                    PlscRecord rec = shard.get(order[(int) p]);
                    boolean mirror = Augmentation.DEFAULT.mirror(Augmentation.sampleRandom(SEED, e, stream, p));
                    DECODER.decodeInto(rec, mirror, images, j * DECODER.sampleSize());
                    labels[j] = rec.label();
                }
                out.add(new ShardLoader.Batch(images, labels, e, b));
            }
        }
        return out;
    }

    private static List<PlscRecord> all(Path dir) throws IOException {
        List<PlscRecord> records = new ArrayList<>();
        PlscDataset.open(dir).scan(PlscDataset.ReadOptions.strict(), (record, text) -> records.add(record));
        return records;
    }

    private static void assertSameSequence(Path dir, int rank, int world, int batch, boolean global) throws Exception {
        List<ShardLoader.Batch> expected = reference(dir, rank, world, batch, global, 2);
        ShardLoader.Options options = ShardLoader.Options.of(rank, world, batch, SEED, Augmentation.DEFAULT, DECODER)
                .withGlobalOrder(global);
        try (ShardLoader loader = ShardLoader.open(dir, options)) {
            String what = (global ? "global" : "per_rank") + " rank " + rank + " of " + world + ", batch " + batch;
            assertEquals(expected.size() / 2, loader.batchesPerEpoch(), what);
            for (ShardLoader.Batch want : expected) {
                ShardLoader.Batch got = loader.next();
                String at = what + ", epoch " + want.epoch() + " batch " + want.index();
                assertEquals(want.epoch(), got.epoch(), at);
                assertEquals(want.index(), got.index(), at);
                assertArrayEquals(want.labels(), got.labels(), at);
                assertArrayEquals(want.images(), got.images(), at);
            }
        }
    }

    @Test
    void perRankOrderWithOneFilePerRankIsTheInMemoryLoadersSequence() throws Exception {
        Path dir = dataset();
        for (int rank = 0; rank < 3; rank++) {
            assertSameSequence(dir, rank, 3, 2, false);
        }
    }

    @Test
    void perRankOrderOverAnyFileCountIsTheInMemoryLoadersSequence() throws Exception {
        Path dir = dataset();
        assertSameSequence(dir, 0, 1, 4, false);
        for (int rank = 0; rank < 4; rank++) {
            assertSameSequence(dir, rank, 4, 2, false);
        }
    }

    @Test
    void globalOrderIsTheInMemoryLoadersSequence() throws Exception {
        Path dir = dataset();
        assertSameSequence(dir, 0, 1, 4, true);
        for (int rank = 0; rank < 3; rank++) {
            assertSameSequence(dir, rank, 3, 2, true);
        }
    }
}
