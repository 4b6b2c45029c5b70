package org.plscj.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.plscj.comm.Communicator;
import org.plscj.comm.LocalLauncher;
import org.plscj.head.LossType;
import org.plscj.tensor.Native;
import org.plscj.testing.Jvm;
import org.plscj.testing.TrainStepWorker;

/**
 * Whole training steps on 2 workers (separate JVMs over Gloo) equal the same steps on one worker with the
 * whole batch: the loss of every step and the backbone's parameters after them. This pins the data-parallel
 * half (broadcast start, gradients SUMMED because the head's ∂L/∂x is of the global mean loss) together with
 * the model-parallel head, in float64. (Partial FC is left out on purpose: each worker samples negatives
 * from its own shard, so a sampled step on 2 workers is a different draw than on 1, as in arcface_torch.)
 */
class DistributedTrainStepTest {
    private static final double TOLERANCE = 1e-9;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"dist_arcface", "dist_softmax"})
    void twoWorkersEqualOneWorkerWithTheWholeBatch(String loss, @TempDir Path dir) throws Exception {
        Native.load();
        Path single = dir.resolve("single.json");
        try (Communicator comm = Communicator.single()) {
            TrainStepWorker.run(comm, 8, 4, LossType.parse(loss), single);
        }
        Path pair = dir.resolve("pair.json");
        int port = LocalLauncher.freePort();
        List<Jvm.Running> workers = new ArrayList<>();
        for (int rank = 0; rank < 2; rank++) {
            workers.add(Jvm.start(TrainStepWorker.class.getName(), Jvm.workerEnv(rank, 2, port),
                    List.of("8", "4", loss, pair.toString())));
        }
        for (Jvm.Running w : workers) {
            assertEquals(0, w.waitFor(240), w.output());
        }
        JsonNode one = new ObjectMapper().readTree(single.toFile());
        JsonNode two = new ObjectMapper().readTree(pair.toFile());
        for (int s = 0; s < 4; s++) {
            double a = one.get("losses").get(s).asDouble();
            double b = two.get("losses").get(s).asDouble();
            assertEquals(a, b, TOLERANCE * Math.abs(a), "loss of step " + s);
        }
        Iterator<Map.Entry<String, JsonNode>> params = one.get("parameters").fields();
        int compared = 0;
        while (params.hasNext()) {
            Map.Entry<String, JsonNode> p = params.next();
            JsonNode other = two.get("parameters").get(p.getKey());
            for (int i = 0; i < p.getValue().size(); i++) {
                double a = p.getValue().get(i).asDouble();
                assertEquals(a, other.get(i).asDouble(), TOLERANCE * Math.max(1, Math.abs(a)), p.getKey() + "[" + i + "]");
            }
            compared++;
        }
        assertEquals(4, compared, "conv and fc weight and bias");
    }
}
