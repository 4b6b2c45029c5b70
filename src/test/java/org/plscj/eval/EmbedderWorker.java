package org.plscj.eval;

import java.time.Duration;
import org.plscj.comm.Communicator;
import org.plscj.comm.DistEnv;
import org.plscj.tensor.Native;
import org.plscj.tensor.Placement;

/**
 * One rank of {@code EmbedderAcrossRanksTest}: embeds {@code args[0]} seeded test images with
 * batches of {@code args[1]} over the process group and prints every embedding row and the XNorm.
 */
public final class EmbedderWorker {
    private EmbedderWorker() {}

    public static void main(String[] args) {
        Native.load();
        int count = Integer.parseInt(args[0]);
        int batch = Integer.parseInt(args[1]);
        float[][] images = TestImages.random(count, EmbedderAcrossRanksTest.SEED);
        try (Communicator comm = Communicator.connect(DistEnv.fromEnvironment(), Duration.ofSeconds(60))) {
            Embedder embedder = new Embedder(new LinearBackbone(EmbedderAcrossRanksTest.DIM), batch, Placement.CPU_FLOAT, comm);
            System.out.println(EmbedderAcrossRanksTest.describe(embedder.embed(count, TestImages.sourceOf(images))));
        }
    }
}
