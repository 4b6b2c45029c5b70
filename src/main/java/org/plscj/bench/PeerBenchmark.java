package org.plscj.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The PyTorch peer: {@code bench/arcface_torch_head.py}, insightface arcface_torch's head at world
 * size 1, run by the system Python in a child process with this process's environment (so the
 * same allocator and OpenBLAS settings) and the same thread count. Its progress goes to our
 * stderr; its one JSON line on stdout is the result.
 */
public final class PeerBenchmark {
    /** Debian's python3-torch installs into the system interpreter, not into whatever python3 is on PATH. */
    public static final String PYTHON = "/usr/bin/python3";
    private static final String INSTALL_HINT = "apt-get install python3-torch libopenblas0-pthread";

    /**
     * @param stepMsMedian median step time of the timed steps
     * @param stepMsMin    fastest timed step
     * @param peakRssMb    the Python process's peak resident set (ru_maxrss)
     * @param torchVersion torch.__version__
     * @param blas         the BLAS that torch used
     */
    public record Result(double stepMsMedian, double stepMsMin, double peakRssMb, String torchVersion, String blas) {}

    private final Path script;

    private PeerBenchmark(Path script) {
        this.script = script;
    }

    /**
     * Checks, before any long run, that the script exists and that {@value #PYTHON} can import torch.
     *
     * @throws IllegalArgumentException when the script is missing
     * @throws IllegalStateException    when torch cannot be imported
     */
    public static PeerBenchmark locate(Path script) throws InterruptedException {
        if (!Files.isRegularFile(script)) {
            throw new IllegalArgumentException("--peer-script " + script.toAbsolutePath() + " does not exist; run from the "
                    + "project directory or pass --peer-script PATH to the script under bench/");
        }
        int status;
        try {
            Process p = new ProcessBuilder(PYTHON, "-c", "import torch").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            status = p.waitFor();
        } catch (IOException e) {
            status = -1;
        }
        if (status != 0) {
            throw new IllegalStateException("--peer needs PyTorch in " + PYTHON + ", which cannot import torch; install it with: "
                    + INSTALL_HINT);
        }
        return new PeerBenchmark(script);
    }

    /** Runs the head peer (bench/arcface_torch_head.py) on the same problem; {@code sampleRatio} &lt; 1 is its Partial FC. */
    public Result run(long classes, int emb, int batch, int steps, int warmup, int threads, double sampleRatio)
            throws IOException, InterruptedException {
        return runScript(List.of("--classes", Long.toString(classes), "--emb", Integer.toString(emb), "--batch", Integer.toString(batch),
                "--steps", Integer.toString(steps), "--warmup", Integer.toString(warmup), "--threads", Integer.toString(threads),
                "--sample-rate", Double.toString(sampleRatio)));
    }

    /** Runs the training-step peer (bench/torch_train_step.py): the same backbone, head and update through PyTorch. */
    public Result runTrain(String model, int emb, long classes, int batch, int steps, int warmup, int threads, boolean bf16)
            throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("--model", model, "--emb", Integer.toString(emb), "--classes", Long.toString(classes),
                "--batch", Integer.toString(batch), "--steps", Integer.toString(steps), "--warmup", Integer.toString(warmup),
                "--threads", Integer.toString(threads)));
        if (bf16) {
            args.add("--bf16");
        }
        return runScript(args);
    }

    /** Fails when the script exits non-zero or prints no JSON line. */
    private Result runScript(List<String> args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(PYTHON, script.toString()));
        command.addAll(args);
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        // why: a bench killed by its timeout must not leave the peer (18.5 GB at 1M classes) running on without it
        Thread reaper = new Thread(p::destroyForcibly);
        Runtime.getRuntime().addShutdownHook(reaper);
        String json = null;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                if (line.startsWith("{")) {
                    json = line;
                }
            }
        }
        int status = p.waitFor();
        Runtime.getRuntime().removeShutdownHook(reaper);
        if (status != 0 || json == null) {
            throw new IllegalStateException("the PyTorch peer (" + String.join(" ", command) + ") "
                    + (status != 0 ? "exited with status " + status : "printed no JSON line") + "; its stderr is above");
        }
        JsonNode node = new ObjectMapper().readTree(json);
        return new Result(node.path("step_ms_median").asDouble(Double.NaN), node.path("step_ms_min").asDouble(Double.NaN),
                node.path("peak_rss_mb").asDouble(Double.NaN), node.path("torch_version").asText("?"), node.path("blas").asText("?"));
    }
}
