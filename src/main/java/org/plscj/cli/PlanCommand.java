package org.plscj.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.plscj.model.Backbone;
import org.plscj.model.Backbones;
import org.plscj.io.MemoryProbe;
import org.plscj.tensor.Native;
import org.plscj.train.TrainConfig;
import org.plscj.train.TrainConfigLoader;
import org.plscj.train.TrainingPlan;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "plan",
        mixinStandardHelpOptions = true,
        description = {
            "Memory per worker for a training config, before anything big is allocated: the head's W, momentum and",
            "logits, the backbone's parameters/gradients/momentum and activations (counted from its layer shapes),",
            "and the largest class count that fits this machine's available memory.",
            "",
            "--time adds the step time on a cluster (--nodes, --nproc-per-node, --cores-per-node, --bandwidth-gbit):",
            "backbone (from --backbone-img-s measured by 'plsc bench train', else the compute floor) + head (its GEMM",
            "flops and update bytes) + communication (features, labels and ∂L/∂x through rings over the slowest link,",
            "the gradient all-reduce minus what its buckets overlap with backward), then img/s, hours per epoch of",
            "--images, days for the recipe's epochs, node-hours, the dominant term and every assumption.",
            "",
            "  plsc plan --config recipes/ms1m_r50.yaml --nproc 2",
            "  plsc plan --config my.yaml num_classes=5000000 sample_ratio=0.1",
            "  plsc plan --config recipes/ms1m_r50.yaml --time --nodes 8 --nproc-per-node 1 --cores-per-node 32 \\",
            "      --bandwidth-gbit 10 --backbone-img-s 5.5 --measured-cores 2 --images 5822653"
        })
final class PlanCommand implements Callable<Integer> {
    private static final double MIB = 1024.0 * 1024.0;

    @Option(names = "--config", paramLabel = "FILE", description = "The YAML config.")
    Path config;

    @Option(names = {"--nproc", "--nproc-per-node"}, defaultValue = "1", description = "Workers per machine (default ${DEFAULT-VALUE}).")
    int nproc;

    @Option(names = {"--nnodes", "--nodes"}, defaultValue = "1", description = "Machines (default ${DEFAULT-VALUE}).")
    int nnodes;

    @Option(names = "--time", description = "Also plan the time: step, img/s, hours per epoch, days and node-hours for the recipe.")
    boolean time;

    @Mixin
    TimePlanOptions timeOptions;

    @Parameters(paramLabel = "KEY=VALUE", arity = "0..*", description = "Overrides of config keys.")
    List<String> overrides = new ArrayList<>();

    @Override
    public Integer call() {
        if (nproc < 1 || nnodes < 1) {
            throw new IllegalArgumentException("--nproc and --nnodes must be at least 1");
        }
        TrainConfig c = TrainConfigLoader.load(config, overrides);
        Native.load();
        int world = nproc * nnodes;
        // why one backbone: the memory plan and the time plan read the same network; building r100 twice costs seconds
        try (Backbone net = Backbones.create(c.modelName(), c.embDim())) {
            TrainingPlan plan = TrainingPlan.of(c, world, nproc, net);
            System.out.printf("plan: %s + %s, %,d classes, emb_dim %d, batch %d per worker, %d worker(s) (%d per machine)%s%n",
                    c.modelName(), c.lossType().plscName(), c.numClasses(), c.embDim(), c.trainBatchSize(), world, nproc,
                    c.sampleRatio() < 1 ? ", sample_ratio " + c.sampleRatio() : "");
            System.out.printf("  classes per worker        %,15d%n", plan.classesPerWorker());
            row("W (class centres) " + c.headDtype(), plan.weightBytes());
            row("W momentum", plan.momentumBytes());
            row(c.recomputeLogits() ? "logits (recomputed)" : "logits buffer", plan.logitsBytes());
            row("backbone θ, ∇θ, momentum", plan.backboneBytes());
            row("backbone activations", plan.activationBytes());
            row("total per worker", plan.totalBytes());
            System.out.printf("  machine: %,.0f MiB available of %,.0f MiB; per worker %,.0f MiB%n", MemoryProbe.availableBytes() / MIB,
                    MemoryProbe.totalBytes() / MIB, MemoryProbe.availableBytes() / MIB / nproc);
            System.out.printf("  largest class count that fits: %,d (%,d per worker; estimate, head %d bytes per class)%n",
                    plan.head().maxClassesTotal(), plan.head().maxClassesPerWorker(), plan.head().bytesPerClass());
            boolean fits = plan.fits();
            System.out.println(fits ? "  fits: yes" : "  fits: NO — lower num_classes per worker (more workers), sample_ratio, "
                    + "recompute_logits, " + (c.headDtype().equals("bfloat16") ? "" : "head_dtype bfloat16, ") + "or train_batch_size");
            if (time) {
                timeOptions.print(c, net, nnodes, nproc, System.out);
            }
            return fits ? 0 : 1;
        }
    }

    private static void row(String what, long bytes) {
        System.out.printf("  %-25s %,15.1f MiB%n", what, bytes / MIB);
    }
}
