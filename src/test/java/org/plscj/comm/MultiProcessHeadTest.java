package org.plscj.comm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.plscj.testing.Jvm;

/**
 * {@code plsc launch --nproc N -- check …}: N separate JVMs over loopback Gloo run the distributed
 * head and compare it with single-process autograd on the whole W, for every loss type, full
 * softmax and Partial FC, an uneven class count, three steps.
 */
class MultiProcessHeadTest {
    /** Relative to each quantity's scale (plsc check's report); float32 with sums split across processes (see SingleWorkerHeadTest). */
    private static final double TOLERANCE = 1e-5;

    @ParameterizedTest(name = "world size {0}")
    @ValueSource(ints = {2, 3})
    void distributedHeadEqualsSingleDeviceReference(int world) throws Exception {
        Jvm.Running launch = Jvm.plsc(List.of("launch", "--nproc", Integer.toString(world), "--master-port", "0", "--",
                "check", "--classes", "1001", "--emb", "32", "--batch", "8", "--loss", "all", "--sample-ratio", "1.0,0.4",
                "--steps", "3", "--timeout", "120", "--json"));
        int code = launch.waitFor(300);
        String out = launch.output();
        assertEquals(0, code, out);
        List<JsonNode> reports = new ArrayList<>();
        for (String line : launch.lines) {
            int at = line.indexOf("CHECK_JSON ");
            if (at >= 0) {
                assertTrue(line.startsWith("[rank 0] "), "only rank 0 reports, each line prefixed: " + line);
                reports.add(new ObjectMapper().readTree(line.substring(at + "CHECK_JSON ".length())));
            }
        }
        assertEquals(10, reports.size(), out);
        Set<String> covered = new TreeSet<>();
        for (JsonNode r : reports) {
            assertEquals(world, r.get("world_size").asInt());
            covered.add(r.get("loss_type").asText() + "@" + r.get("sample_ratio").asDouble());
            r.get("max_rel_err").fields().forEachRemaining(e ->
                    assertTrue(e.getValue().asDouble() <= TOLERANCE, r.get("loss_type") + " ratio " + r.get("sample_ratio")
                            + ": " + e.getKey() + " error " + e.getValue().asDouble()));
        }
        assertEquals(10, covered.size(), covered.toString());
    }
}
