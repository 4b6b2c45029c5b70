package org.plscj.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code plsc bench train --peer --repeat N}: each round runs the peer, then ours in a fresh JVM (so the peer never runs
 * beside our finished run's resident memory), and the speed-up reported is the median of the rounds' peer / ours.
 */
class BenchTrainPeerRoundsTest {
    @Test
    void eachRoundRunsOursInAFreshJvmAfterThePeerAndReportsTheMedianRatio(@TempDir Path dir) throws Exception {
        // PeerBenchmark.locate refuses an interpreter without torch: CI installs it, a bare machine skips
        assumeTrue(torchImports(), "needs /usr/bin/python3 with torch (the peer's interpreter)");
        // a stand-in for bench/torch_train_step.py: what the harness reads is its JSON line; each run logs its pid
        Path pids = dir.resolve("peer-pids");
        Path peer = dir.resolve("peer.py");
        Files.writeString(peer, String.join("\n",
                "import json, os",
                "open(" + pyString(pids) + ", 'a').write(str(os.getpid()) + '\\n')",
                "print(json.dumps({'step_ms_median': 1000.0, 'step_ms_min': 900.0, 'peak_rss_mb': 10.0,"
                        + " 'torch_version': 'stand-in', 'blas': 'none'}))", ""));
        Path json = dir.resolve("report.json");
        String out = PlscOutput.ofSuccess("bench", "train", "--model", "TinyFaceNet", "--emb", "16", "--classes", "50",
                "--batch", "2", "--steps", "1", "--warmup", "0", "--repeat", "3", "--threads", "1", "--peer",
                "--peer-script", peer.toString(), "--json-out", json.toString());
        assertEquals(3, Files.readAllLines(pids).size(), "the peer runs once per round");
        JsonNode report = new ObjectMapper().readTree(Files.readString(json));
        double[] ratios = new double[3];
        for (int r = 1; r <= 3; r++) {
            double ours = report.path("round" + r + "_step_ms_median").asDouble();
            assertTrue(ours > 0, out);
            ratios[r - 1] = report.path("round" + r + "_speedup_vs_peer").asDouble();
            // printed and stored with 3 decimals
            assertEquals(1000.0 / ours, ratios[r - 1], 1e-3 * ratios[r - 1] + 5e-4, out);
        }
        Arrays.sort(ratios);
        assertEquals(ratios[1], report.path("speedup_vs_peer_median").asDouble(), 5e-4, out);
        assertEquals("TinyFaceNet", report.path("model").asText(), "the rounds' facts are kept");
        assertEquals(1, report.path("world_size").asLong());
        assertTrue(report.path("rss_last_mb").asDouble() > 0, "our figures are medians over the rounds");
    }

    private static boolean torchImports() throws Exception {
        try {
            return new ProcessBuilder("/usr/bin/python3", "-c", "import torch").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor() == 0;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static String pyString(Path p) {
        return "'" + p.toString().replace("\\", "\\\\").replace("'", "\\'") + "'";
    }
}
