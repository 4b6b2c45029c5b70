package org.plscj.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.plscj.comm.Communicator;
import org.plscj.head.HeadCheck;
import org.plscj.head.HeadConfig;
import org.plscj.head.LossType;
import org.plscj.tensor.Placement;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "check",
        mixinStandardHelpOptions = true,
        description = {
            "Cluster sanity check: the distributed head against a single-process autograd reference.",
            "",
            "Like nccl-tests: runs the distributed head and a single-process full-FC autograd reference on the",
            "same random inputs, prints the largest relative errors of the loss, accuracy, dX,",
            "the re-assembled dW and bias gradient, and the update, then PASS or FAIL. Exits 1 on FAIL.",
            "Run it under 'plsc launch --nproc N' (or any torchrun-style launcher) to check N workers.",
            "",
            "  plsc launch --nproc 3 -- check --classes 1001 --emb 64 --batch 8 --loss all --sample-ratio 1,0.5"
        })
final class CheckCommand implements Callable<Integer> {
    @Option(names = "--classes", required = true, description = "Number of classes C over all workers.")
    long classes;

    @Option(names = "--emb", defaultValue = "128", description = "Embedding size D (default ${DEFAULT-VALUE}).")
    int emb;

    @Option(names = "--batch", defaultValue = "16", description = "Rows per worker B (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--loss", defaultValue = "arcface", split = ",",
            description = "softmax, arcface, cosface, sphereface, combined (dist_ prefix optional), or all. Default ${DEFAULT-VALUE}.")
    List<String> losses;

    @Option(names = "--sample-ratio", defaultValue = "1.0", split = ",",
            description = "Partial FC ratio(s) in (0, 1]; 1 is the full softmax. Default ${DEFAULT-VALUE}.")
    List<Double> ratios;

    @Option(names = "--steps", defaultValue = "3", description = "Training steps compared (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--lr", defaultValue = "0.1", description = "Learning rate of the steps (default ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--dtype", defaultValue = "float32", description = "float32 or float64 (default ${DEFAULT-VALUE}).")
    String dtype;

    @Option(names = "--tolerance", description = "Largest relative error that passes (default 1e-5 for float32, 1e-11 for float64).")
    Double tolerance;

    @Option(names = "--recompute-logits", description = "Keep no [N, n] logits buffer; recompute each block in the backward pass.")
    boolean recomputeLogits;

    @Option(names = "--interclass-filtering-threshold", defaultValue = "0",
            description = "Inter-class filtering of the margin losses (training key interclass_filtering_threshold; 0 = off).")
    double interclassFilteringThreshold;

    @Option(names = "--json", description = "Also print each result as one line 'CHECK_JSON {...}' (for scripts).")
    boolean json;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the inputs and initial weights (default ${DEFAULT-VALUE}).")
    long seed;

    @Mixin
    WorkerOptions worker;

    @Override
    public Integer call() {
        Placement placement = Placement.of(worker.device, dtype);
        double tol = tolerance != null ? tolerance : dtype.startsWith("float64") || dtype.equals("double") ? 1e-11 : 1e-5;
        List<LossType> types = new ArrayList<>();
        for (String l : losses) {
            if (l.equals("all")) {
                types.addAll(List.of(LossType.values()));
            } else {
                types.add(LossType.parse(l));
            }
        }
        boolean allPass = true;
        ObjectMapper mapper = new ObjectMapper();
        try (Communicator comm = worker.connect()) {
            for (LossType type : types) {
                for (double ratio : ratios) {
                    HeadConfig config = HeadConfig.of(classes, emb, type).withSampleRatio(ratio).withSeed(seed)
                            .withRecomputedLogits(recomputeLogits).withPlacement(placement)
                            .withInterclassFilteringThreshold(interclassFilteringThreshold);
                    HeadCheck.Report report = HeadCheck.run(config, comm, batch, steps, lr, tol);
                    allPass &= report.pass();
                    if (comm.rank() == 0) {
                        print(mapper, type, ratio, comm.worldSize(), report);
                    }
                }
            }
        }
        return allPass ? 0 : 1;
    }

    private void print(ObjectMapper mapper, LossType type, double ratio, int world, HeadCheck.Report report) {
        StringBuilder line = new StringBuilder(String.format("check %-15s C=%d D=%d B=%d world=%d ratio=%.2f %s:",
                type.plscName(), classes, emb, batch, world, ratio, dtype));
        ObjectNode node = mapper.createObjectNode()
                .put("loss_type", type.plscName()).put("classes", classes).put("emb", emb).put("batch", batch)
                .put("world_size", world).put("sample_ratio", ratio).put("steps", steps).put("dtype", dtype)
                .put("tolerance", report.tolerance()).put("pass", report.pass());
        ObjectNode errors = node.putObject("max_rel_err");
        for (Map.Entry<String, Double> e : report.errors().entrySet()) {
            line.append(String.format(" %s %.1e", e.getKey(), e.getValue()));
            errors.put(e.getKey(), e.getValue());
        }
        System.out.println(line.append(report.pass() ? "  PASS" : "  FAIL"));
        if (json) {
            System.out.println("CHECK_JSON " + node);
        }
    }
}
