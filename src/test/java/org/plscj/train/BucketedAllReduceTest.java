package org.plscj.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.plscj.comm.Communicator;
import org.plscj.comm.LocalLauncher;
import org.plscj.model.Backbone;
import org.plscj.model.Backbones;
import org.plscj.tensor.Native;
import org.plscj.testing.Jvm;
import org.plscj.testing.TrainStepWorker;

/**
 * Summing the backbone's gradient in buckets during the backward pass (bucket_cap_mb > 0) trains exactly as one
 * coalesced all-reduce after it (bucket_cap_mb = 0): 2 workers (separate JVMs over Gloo), float32, the same steps
 * from the same seed both ways; losses, gradient norms and every parameter after the steps compared.
 *
 * <p>Why bit for bit and not a tolerance: with 2 workers each gradient element's sum is one IEEE addition a + b,
 * correctly rounded and commutative, so whichever bucket carries the element and however Gloo splits the buffer the
 * sum has the same bits; the rest of each step is the same code on the same inputs in the same process. (With 3 or
 * more workers Gloo's ring adds the partial sums in an order that depends on where a buffer is cut into chunks, and the
 * two would only agree to float32 precision.)
 */
class BucketedAllReduceTest {
    @ParameterizedTest(name = "{0}, buckets of {1} MiB")
    @CsvSource({
        // several buckets, BatchNorm and PReLU parameters among them
        "TinyFaceNet, 0.02",
        // a parameter that never gets a gradient: its bucket is completed after backward, with zeros
        "org.plscj.testing.UnusedParameterBackbone, 0.00001"
    })
    void bucketedAllReduceTrainsBitForBitAsTheSingleCoalescedOne(String model, double capMb, @TempDir Path dir) throws Exception {
        Native.load();
        Backbone probe = Backbones.create(model, 16);
        int buckets = new GradientBuckets(probe, Communicator.single(), Math.round(capMb * (1 << 20))).buckets();
        probe.close();
        assertTrue(buckets >= 3, "the cap makes several buckets, got " + buckets);

        Path out = dir.resolve("run.json");
        int port = LocalLauncher.freePort();
        List<Jvm.Running> workers = new ArrayList<>();
        for (int rank = 0; rank < 2; rank++) {
            workers.add(Jvm.start(TrainStepWorker.class.getName(), Jvm.workerEnv(rank, 2, port),
                    List.of("8", "3", "dist_arcface", out.toString(), model, "float32", "0," + capMb)));
        }
        for (Jvm.Running w : workers) {
            assertEquals(0, w.waitFor(240), w.output());
        }
        JsonNode single = new ObjectMapper().readTree(dir.resolve("run.json.0").toFile());
        JsonNode bucketed = new ObjectMapper().readTree(dir.resolve("run.json.1").toFile());
        assertEquals(single.get("losses"), bucketed.get("losses"), "losses");
        assertEquals(single.get("grad_norms"), bucketed.get("grad_norms"), "gradient norms (of the summed gradient)");
        Iterator<Map.Entry<String, JsonNode>> params = single.get("parameters").fields();
        int compared = 0;
        while (params.hasNext()) {
            Map.Entry<String, JsonNode> p = params.next();
            assertEquals(p.getValue(), bucketed.get("parameters").get(p.getKey()), p.getKey());
            compared++;
        }
        assertEquals(single.get("parameters").size(), compared);
        assertTrue(compared >= 3, "parameters compared: " + compared);
    }
}
