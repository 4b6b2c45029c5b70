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
import org.plscj.tensor.Native;
import org.plscj.tensor.Placement;
import org.plscj.tensor.Tensors;
import org.plscj.train.BackboneSgd;
import org.plscj.train.GradientSync;
import org.plscj.train.TrainStep;

/**
 * Runs whole training steps (TinyBackbone → head → backward → gradient sum → SGD) on a global batch that is
 * the same whatever the world size: rank r trains on rows [r·B/W, (r+1)·B/W). Rank 0 writes the losses and
 * the final backbone parameters as JSON. Everything runs in float64, so the two orders of summation agree to ~1e-12
 * and any real difference stands out. Args: globalBatch steps lossType outFile.
 */
public final class TrainStepWorker {
    private static final Placement DOUBLE = Placement.of("cpu", "float64");

    private TrainStepWorker() {}

    public static void main(String[] args) throws Exception {
        Native.load();
        try (Communicator comm = Communicator.connect(DistEnv.fromEnvironment(), Duration.ofSeconds(120))) {
            run(comm, Integer.parseInt(args[0]), Integer.parseInt(args[1]), LossType.parse(args[2]), Path.of(args[3]));
        }
        System.exit(0);
    }

    public static void run(Communicator comm, int globalBatch, int steps, LossType loss, Path out) throws Exception {
        long classes = 37;
        int local = globalBatch / comm.worldSize();
        torch.manual_seed(5);
        TinyBackbone backbone = new TinyBackbone(16);
        backbone.to(ScalarType.Double, false);
        GradientSync.broadcastFromRankZero(backbone, comm);
        HeadConfig config = HeadConfig.of(classes, 16, loss).withSeed(3).withPlacement(DOUBLE);
        List<Double> losses = new ArrayList<>();
        try (PartialFC head = new PartialFC(config, comm); BackboneSgd sgd = new BackboneSgd(backbone, 0.9, 5e-4)) {
            TrainStep step = new TrainStep(backbone, head, sgd, comm, false);
            for (int s = 0; s < steps; s++) {
                try (PointerScope scope = new PointerScope()) {
                    GeneratorOptional gen = new GeneratorOptional(torch.createCPUGenerator(100 + s));
                    Tensor images = torch.empty(new long[] {globalBatch, 3, 112, 112}, DOUBLE.floats(), null).normal_(0, 1, gen);
                    Tensor labels = torch.empty(new long[] {globalBatch}, Placement.CPU_FLOAT.longs(), null)
                            .random_(0, new LongOptional(classes), gen);
                    long from = (long) comm.rank() * local;
                    losses.add(step.run(images.narrow(0, from, local), labels.narrow(0, from, local), 0.2, System.nanoTime()).loss());
                }
            }
            if (comm.rank() == 0) {
                Map<String, Object> result = new LinkedHashMap<>();
                result.put("losses", losses);
                Map<String, double[]> params = new LinkedHashMap<>();
                sgd.parameters().forEach((name, p) -> params.put(name, Tensors.toDoubleArray(p)));
                result.put("parameters", params);
                Files.write(out, new ObjectMapper().writeValueAsBytes(result));
            }
        }
        backbone.close();
    }
}
