package org.plscj.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.plscj.comm.LocalLauncher;
import org.plscj.tensor.Native;
import org.plscj.testing.Jvm;

/** The split and all-gather of {@link Embedder} across three JVMs over loopback Gloo. */
class EmbedderAcrossRanksTest {
    static final long SEED = 99;
    static final int DIM = 4;
    private static final int WORLD = 3;

    /** One line: "xnorm X" then every embedding value, as Java prints doubles (exact round trip). */
    static String describe(Embedder.Embeddings e) {
        StringBuilder s = new StringBuilder("xnorm ").append(e.xnorm());
        for (double[] row : e.embeddings()) {
            for (double x : row) {
                s.append(' ').append(x);
            }
        }
        return s.toString();
    }

    private static double[] values(String line) {
        return Arrays.stream(line.substring("xnorm ".length()).split(" ")).mapToDouble(Double::parseDouble).toArray();
    }

    // 7 images over 3 ranks: blocks of 3, the last rank 1 image + 2 padding;
    // 2 images: blocks of 1, the last rank only padding
    @ParameterizedTest
    @CsvSource({"7,2", "2,4"})
    void everyRankGetsTheSingleProcessEmbeddingsInOrder(int count, int batch) throws Exception {
        Native.load();
        String expected = describe(new Embedder(new LinearBackbone(DIM), batch)
                .embed(count, TestImages.sourceOf(TestImages.random(count, SEED))));
        int port = LocalLauncher.freePort();
        List<Jvm.Running> workers = new ArrayList<>();
        for (int r = 0; r < WORLD; r++) {
            workers.add(Jvm.start(EmbedderWorker.class.getName(), Jvm.workerEnv(r, WORLD, port),
                    List.of(Integer.toString(count), Integer.toString(batch))));
        }
        for (int r = 0; r < WORLD; r++) {
            Jvm.Running w = workers.get(r);
            assertEquals(0, w.waitFor(120), w.output());
            List<String> results = w.lines.stream().filter(l -> l.startsWith("xnorm ")).toList();
            assertEquals(1, results.size(), "rank " + r + ":\n" + w.output());
            // batches differ across ranks, so may the last float bits of a row
            assertArrayEquals(values(expected), values(results.get(0)), 1e-6, "rank " + r);
        }
    }
}
