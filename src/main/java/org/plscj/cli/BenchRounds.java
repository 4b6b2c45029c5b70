package org.plscj.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.plscj.bench.BenchReport;
import org.plscj.bench.PeerBenchmark;
import org.plscj.bench.Timing;

/**
 * {@code bench head --repeat N} and {@code bench train --peer}: N rounds, each the PyTorch peer (with --peer) and then our
 * run in a fresh JVM, and a report of the medians over the rounds. Why interleaved: this VM drifts by ±30 % over minutes,
 * so a ratio is only fair between neighbouring runs. Why a fresh JVM per round: the allocator keeps a finished run's pages
 * resident (4.7 GB for a 1M-class head, 10.7 GB for r100 at batch 64), so a peer started after it in the same round would
 * run beside them — at 1M classes the peer's 18.5 GB would not fit, and r100's 11 GB peer beside our 10.7 GB ran 1.2-1.6x
 * slower than in the round before it — while our later rounds would start with warm allocator caches the peer never has.
 */
final class BenchRounds {
    /** One round: our run's BENCH_JSON and the peer's result (null without --peer). */
    record Round(JsonNode ours, PeerBenchmark.Result peer) {
        double speedup() {
            return peer.stepMsMedian() / ours.path("step_ms_median").asDouble(Double.NaN);
        }
    }

    private BenchRounds() {}

    /**
     * Runs {@code plsc <args> --json-out FILE} in a new JVM like this one and returns the JSON it wrote; its table goes to
     * stderr, prefixed with the round, so this process's stdout keeps one BENCH_JSON line.
     */
    static JsonNode runOurs(List<String> args, int round) throws IOException, InterruptedException {
        Path out = Files.createTempFile("plsc-bench-round", ".json");
        try {
            List<String> withOut = new ArrayList<>(args);
            withOut.addAll(List.of("--json-out", out.toString()));
            Process p = new ProcessBuilder(SelfCommand.of(withOut)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            // why: a bench killed by its timeout must not leave a 5-10 GB run going on without it
            Thread reaper = new Thread(p::destroyForcibly);
            Runtime.getRuntime().addShutdownHook(reaper);
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    System.err.println("round " + round + ": " + line);
                }
            }
            int status = p.waitFor();
            Runtime.getRuntime().removeShutdownHook(reaper);
            if (status != 0) {
                throw new IllegalStateException("round " + round + " of " + String.join(" ", args) + " exited with status "
                        + status + "; its output is above");
            }
            return new ObjectMapper().readTree(Files.readString(out));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /**
     * The report over the rounds: each round's step, ratio to floor and speed-up, then the medians. The round's facts
     * (sizes, host, date) come from the first round; every figure a round reports in milliseconds (phases, floor parts)
     * and the ratio to floor become their median over the rounds under the same key.
     */
    static BenchReport summarise(List<Round> rounds, String title) {
        BenchReport report = new BenchReport();
        JsonNode first = rounds.get(0).ours();
        for (Iterator<String> keys = first.fieldNames(); keys.hasNext();) {
            String key = keys.next();
            JsonNode value = first.get(key);
            if (value.isTextual()) {
                report.fact(key, value.asText());
            } else if (value.isBoolean()) {
                report.fact(key, value.asBoolean());
            } else if (value.isIntegralNumber()) {
                report.fact(key, value.asLong());
            }
        }
        report.fact("repeat", rounds.size());
        report.section(title);
        for (int r = 0; r < rounds.size(); r++) {
            Round round = rounds.get(r);
            report.figure("round" + (r + 1) + "_step_ms_median", "round " + (r + 1) + ": our step, median",
                    round.ours().path("step_ms_median").asDouble(Double.NaN), "ms");
            report.figure("round" + (r + 1) + "_ratio_to_floor", "round " + (r + 1) + ": ratio to floor",
                    round.ours().path("ratio_to_floor").asDouble(Double.NaN), "×");
            if (round.ours().has("bf16_speedup_vs_fp32_median")) {
                report.figure("round" + (r + 1) + "_bf16_speedup_vs_fp32", "round " + (r + 1) + ": bf16 speed-up vs our fp32",
                        round.ours().path("bf16_speedup_vs_fp32_median").asDouble(), "×");
            }
            if (round.peer() != null) {
                report.figure("round" + (r + 1) + "_peer_step_ms_median", "round " + (r + 1) + ": peer step, median",
                        round.peer().stepMsMedian(), "ms");
                report.figure("round" + (r + 1) + "_speedup_vs_peer", "round " + (r + 1) + ": speed-up vs peer", round.speedup(), "×");
            }
        }
        report.section("medians over the " + rounds.size() + " rounds");
        for (Iterator<String> keys = first.fieldNames(); keys.hasNext();) {
            String key = keys.next();
            String unit = unit(key);
            if (first.get(key).isNumber() && unit != null) {
                report.figure(key, key.replace('_', ' '), median(rounds, r -> r.ours().path(key).asDouble(Double.NaN)), unit);
            }
        }
        if (rounds.get(0).peer() != null) {
            report.figure("peer_step_ms_median", "peer step time, median of the rounds", median(rounds, r -> r.peer().stepMsMedian()), "ms")
                    .figure("peer_peak_rss_mb", "peer peak RSS (largest round)",
                            rounds.stream().mapToDouble(r -> r.peer().peakRssMb()).max().orElseThrow(), "MiB")
                    .figure("speedup_vs_peer_median", "speed-up vs peer, median of the rounds' ratios", median(rounds, Round::speedup), "×")
                    .fact("peer_torch_version", rounds.get(0).peer().torchVersion()).fact("peer_blas", rounds.get(0).peer().blas());
        }
        return report;
    }

    /** The unit of a round's figure by its key; null for counts and settings, which are not medians' business. */
    private static String unit(String key) {
        if (key.contains("_round_")) {
            return null; // a run's own rounds: each of ours is one round, listed above
        }
        if (key.endsWith("_ms")) {
            return "ms";
        }
        if (key.endsWith("_mb")) {
            return "MiB";
        }
        if (key.startsWith("ratio_") || key.contains("speedup")) {
            return "×";
        }
        if (key.endsWith("_gbps")) {
            return "GB/s";
        }
        return key.endsWith("_pct") ? "%" : null;
    }

    private static double median(List<Round> rounds, ToDoubleFunction<Round> of) {
        return Timing.median(rounds.stream().mapToDouble(of).toArray());
    }
}
