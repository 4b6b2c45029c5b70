package org.plscj.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.plscj.comm.Communicator;
import org.plscj.comm.DistEnv;
import org.plscj.head.HeadConfig;
import org.plscj.head.LossType;
import org.plscj.head.PartialFC;
import org.plscj.model.Backbone;
import org.plscj.model.Backbones;
import org.plscj.tensor.Native;
import org.plscj.tensor.Placement;
import org.plscj.tensor.Tensors;
import org.plscj.train.BackboneSgd;
import org.plscj.train.GradientSync;
import org.plscj.train.TrainStep;

/**
 * Runs whole training steps (backbone → head → backward → gradient sum → SGD) on a global batch that is
 * the same whatever the world size: rank r trains on rows [r·B/W, (r+1)·B/W). Rank 0 writes the losses, the
 * backbone's gradient norms and its final parameters as JSON. By default TinyBackbone in float64, so the two orders
 * of summation agree to ~1e-12 and any real difference stands out.
 * Args: globalBatch steps lossType outFile [model dtype bucketCapMb,bucketCapMb,…]; with the optional three, one run
 * per bucket cap, each from the same seed, written to outFile.0, outFile.1, …
 */
public final class TrainStepWorker {
    private static final Placement DOUBLE = Placement.of("cpu", "float64");

    private TrainStepWorker() {}

    public static void main(String[] args) throws Exception {
        Native.load();
        int batch = Integer.parseInt(args[0]);
        int steps = Integer.parseInt(args[1]);
        LossType loss = LossType.parse(args[2]);
        try (Communicator comm = Communicator.connect(DistEnv.fromEnvironment(), Duration.ofSeconds(120))) {
            if (args.length == 4) {
                run(comm, batch, steps, loss, Path.of(args[3]));
            } else {
                String[] caps = args[6].split(",");
                for (int i = 0; i < caps.length; i++) {
                    run(comm, args[4], Placement.of("cpu", args[5]), Double.parseDouble(caps[i]), batch, steps, loss,
                            Path.of(args[3] + "." + i));
                }
            }
        }
        System.exit(0);
    }

    /** TinyBackbone in float64, one coalesced all-reduce. */
    public static void run(Communicator comm, int globalBatch, int steps, LossType loss, Path out) throws Exception {
        run(comm, TinyBackbone.class.getName(), DOUBLE, 0, globalBatch, steps, loss, out);
    }

    /**
     * @param model       a built-in backbone name or a Backbone class name, embedding size 16
     * @param bucketCapMb the TrainStep's gradient buckets (0 = one coalesced all-reduce)
     */
    public static void run(Communicator comm, String model, Placement placement, double bucketCapMb, int globalBatch, int steps,
            LossType loss, Path out) throws Exception {
        long classes = 37;
        int local = globalBatch / comm.worldSize();
        torch.manual_seed(5);
        Backbone backbone = Backbones.create(model, 16);
        backbone.to(placement.dtype(), false);
        GradientSync.broadcastFromRankZero(backbone, comm);
        HeadConfig config = HeadConfig.of(classes, 16, loss).withSeed(3).withPlacement(placement);
        List<Double> losses = new ArrayList<>();
        List<Double> gradNorms = new ArrayList<>();
        try (PartialFC head = new PartialFC(config, comm); BackboneSgd sgd = new BackboneSgd(backbone, 0.9, 5e-4)) {
            TrainStep step = new TrainStep(backbone, head, sgd, comm, false, 0, bucketCapMb);
            for (int s = 0; s < steps; s++) {
                try (PointerScope scope = new PointerScope()) {
                    GeneratorOptional gen = new GeneratorOptional(torch.createCPUGenerator(100 + s));
                    Tensor images = torch.empty(new long[] {globalBatch, 3, 112, 112}, placement.floats(), null).normal_(0, 1, gen);
                    Tensor labels = torch.empty(new long[] {globalBatch}, Placement.CPU_FLOAT.longs(), null)
                            .random_(0, new LongOptional(classes), gen);
                    long from = (long) comm.rank() * local;
                    TrainStep.Result r = step.run(images.narrow(0, from, local), labels.narrow(0, from, local), 0.2, System.nanoTime());
                    losses.add(r.loss());
                    gradNorms.add(r.gradNorm());
                }
            }
            if (comm.rank() == 0) {
                Map<String, Object> result = new LinkedHashMap<>();
                result.put("losses", losses);
                result.put("grad_norms", gradNorms);
                Map<String, double[]> params = new LinkedHashMap<>();
                sgd.parameters().forEach((name, p) -> params.put(name, Tensors.toDoubleArray(p)));
                result.put("parameters", params);
                Files.write(out, new ObjectMapper().writeValueAsBytes(result));
            }
        }
        backbone.close();
    }
}
