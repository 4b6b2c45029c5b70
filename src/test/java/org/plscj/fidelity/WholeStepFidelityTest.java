package org.plscj.fidelity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.plscj.comm.Communicator;
import org.plscj.comm.LocalLauncher;
import org.plscj.tensor.Native;
import org.plscj.testing.Jvm;

/**
 * PLSC-J's whole training step equals PyTorch's (issue 19): FidelityNet (every layer kind of the built-in backbones)
 * and the arcface head (PLSC's exact margin gradient, and arcface_torch's straight-through one) start from the same
 * values as make_whole_step.py's PyTorch twin, train on the same five
 * batches with the same SGD, and after every step every parameter, every BatchNorm running statistic, the head and
 * the loss agree. In float64, so anything beyond summation order (≈ 1e-15 relative per op, grown by five steps of
 * BatchNorm and the s = 16 softmax to well under 1e-12) would be a real difference. Skips without Debian's torch.
 */
class WholeStepFidelityTest {
    private static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final Path SCRIPT = Path.of("src/test/resources/fixtures/fidelity/make_whole_step.py");
    /** The bound for float64. */
    private static final double TOLERANCE = 1e-9;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "margin_gradient {0}")
    @ValueSource(strings = {"exact", "straight_through"})
    void oneWorkerMatchesPyTorchParameterForParameterAfterEachOfFiveSteps(String marginGradient) throws Exception {
        Path fixture = pytorchFixture(1, marginGradient);
        Native.load();
        Map<String, WholeStepReplay.Worst> worst;
        try (Communicator comm = Communicator.single()) {
            worst = WholeStepReplay.replay(fixture, comm).worst();
        }
        worst.forEach((kind, w) -> assertTrue(w.relative() <= TOLERANCE,
                kind + " differ from PyTorch's by " + w.relative() + " relative (" + w.where() + ")"));
    }

    @Test
    void twoWorkersMatchDdpWithPerWorkerBatchNormAndSummedGradients() throws Exception {
        Path fixture = pytorchFixture(2, "exact");
        Path out = dir.resolve("replay.json");
        int port = LocalLauncher.freePort();
        List<Jvm.Running> workers = new ArrayList<>();
        for (int rank = 0; rank < 2; rank++) {
            workers.add(Jvm.start(WholeStepReplay.class.getName(), Jvm.workerEnv(rank, 2, port),
                    List.of(fixture.toString(), out.toString())));
        }
        for (Jvm.Running w : workers) {
            assertEquals(0, w.waitFor(240), w.output());
        }
        for (int rank = 0; rank < 2; rank++) {
            JsonNode result = new ObjectMapper().readTree(Files.readAllBytes(Path.of(out + ".rank" + rank)));
            for (String kind : List.of("loss", "parameters", "buffers", "head")) {
                JsonNode w = result.get("worst").get(kind);
                double relative = w.get("relative").asDouble();
                assertTrue(relative <= TOLERANCE, "rank " + rank + ": " + kind + " differ from PyTorch's by " + relative
                        + " relative (" + w.get("where").asText() + ")");
            }
        }
    }

    /** Runs the PyTorch side for {@code workers} ranks and margin_gradient; skips the test when Debian's torch is not installed. */
    private Path pytorchFixture(int workers, String marginGradient) throws IOException, InterruptedException {
        Assumptions.assumeTrue(Files.isExecutable(PYTHON), "no /usr/bin/python3");
        Process probe = new ProcessBuilder(PYTHON.toString(), "-c", "import torch").redirectErrorStream(true).start();
        probe.getInputStream().readAllBytes();
        Assumptions.assumeTrue(probe.waitFor() == 0, "/usr/bin/python3 has no torch");
        Path fixture = dir.resolve("whole_step_" + workers + "_" + marginGradient + ".pt");
        Process p = new ProcessBuilder(PYTHON.toString(), SCRIPT.toString(), fixture.toString(), "--workers",
                String.valueOf(workers), "--margin-gradient", marginGradient).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0, SCRIPT + " failed:\n" + output);
        return fixture;
    }
}
