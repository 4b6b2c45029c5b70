package org.plscj.fidelity;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.plscj.checkpoint.TorchFile;
import org.plscj.comm.Communicator;
import org.plscj.comm.DistEnv;
import org.plscj.head.ClassShard;
import org.plscj.head.HeadConfig;
import org.plscj.head.LossType;
import org.plscj.head.Margin;
import org.plscj.head.MarginGradient;
import org.plscj.head.PartialFC;
import org.plscj.model.Backbone;
import org.plscj.model.Backbones;
import org.plscj.model.FidelityNet;
import org.plscj.tensor.Native;
import org.plscj.tensor.Placement;
import org.plscj.tensor.Scoped;
import org.plscj.tensor.Tensors;
import org.plscj.train.BackboneSgd;
import org.plscj.train.TrainStep;

/**
 * Replays make_whole_step.py's training on one rank of PLSC-J's trainer: FidelityNet and the head start from the
 * fixture's values, rank r trains on its rows of each of the K global batches with TrainStep (backbone forward, the
 * model-parallel head, backward, summed gradients, BackboneSgd), and after every step each of its parameters, its
 * BatchNorm buffers, its head shard and the loss are compared with PyTorch's. The result is the largest relative
 * difference per kind (|ours − torch| / max|torch| per tensor), and which tensor it was.
 * As a main (one JVM per rank under the torchrun variables): args fixture.pt result.json. The same main replays
 * make_whole_step.py's demo-scale fixtures (TinyFaceNet, float32 or float64) when run by hand.
 */
public final class WholeStepReplay {
    /** The worst relative difference of one kind of value over all steps, and where it was. */
    public record Worst(double relative, String where) {
        Worst max(double r, String at) {
            return r > relative ? new Worst(r, at) : this;
        }
    }

    private WholeStepReplay() {}

    public static void main(String[] args) throws Exception {
        Native.load();
        try (Communicator comm = Communicator.connect(DistEnv.fromEnvironment(), Duration.ofSeconds(120))) {
            Result result = replay(Path.of(args[0]), comm);
            Files.write(Path.of(args[1] + ".rank" + comm.rank()), new ObjectMapper().writeValueAsBytes(result));
        }
        System.exit(0);
    }

    /**
     * The worst relative difference per kind: loss, parameters, buffers (this rank's), head (this rank's shard); and
     * each step's loss, ours then PyTorch's.
     */
    public record Result(Map<String, Worst> worst, List<List<Double>> losses) {}

    @SuppressWarnings("unchecked")
    public static Result replay(Path fixture, Communicator comm) throws IOException {
        Map<String, Object> fx = TorchFile.read(fixture);
        List<String> names = (List<String>) fx.get("names");
        Tensor images = (Tensor) fx.get("images");
        Tensor labels = (Tensor) fx.get("labels");
        double[] lrs = Tensors.toDoubleArray((Tensor) fx.get("lrs"));
        Tensor w = (Tensor) fx.get("head");
        int classes = (int) w.size(0);
        int emb = (int) w.size(1);
        Map<String, Worst> worst = new LinkedHashMap<>();
        List<List<Double>> losses = new ArrayList<>();
        for (String kind : List.of("loss", "parameters", "buffers", "head")) {
            worst.put(kind, new Worst(0, "-"));
        }
        // the fixture's net and dtype: FidelityNet in float64 for the test, TinyFaceNet at the demo's scale by hand
        String netName = (String) fx.getOrDefault("net", "FidelityNet");
        Placement at = Placement.of("cpu", (String) fx.getOrDefault("dtype", "float64"));
        Backbone net = netName.equals("FidelityNet") ? new FidelityNet(emb) : Backbones.create(netName, emb);
        net.to(at.dtype(), false);
        // own handles: get()'s elements point into the vector, which the collector may free during a long replay
        Tensor[] params = Scoped.compute(() -> handles(net.parameters().get()));
        Tensor[] buffers = Scoped.compute(() -> handles(net.buffers().get()));
        if (params.length != names.size()) {
            throw new AssertionError("FidelityNet has " + params.length + " parameters, the fixture " + names.size() + ": " + names);
        }
        load(params, (List<Object>) fx.get("params"), names, "parameter");
        load(buffers, (List<Object>) fx.get("buffers_r" + comm.rank()), null, "buffer");
        HeadConfig config = HeadConfig.of(classes, emb, LossType.ARCFACE)
                .withMargin(new Margin(1, (Double) fx.get("margin"), 0, (Double) fx.get("scale")))
                .withPlacement(at).withOptimizer(0.9, 5e-4)
                .withMarginGradient(MarginGradient.of((String) fx.get("margin_gradient")));
        ClassShard shard = ClassShard.of(classes, comm.worldSize(), comm.rank());
        try (PartialFC head = new PartialFC(config, comm, w.narrow(0, shard.start(), shard.size()), null, null, null);
                BackboneSgd sgd = new BackboneSgd(net, 0.9, 5e-4)) {
            TrainStep step = new TrainStep(net, head, sgd, comm, false);
            long local = images.size(1) / comm.worldSize();
            for (int k = 0; k < lrs.length; k++) {
                int index = k;
                double loss = Scoped.compute(() -> step.run(
                        Tensors.to(images.select(0, index).narrow(0, comm.rank() * local, local), at, at.dtype(), false),
                        labels.select(0, index).narrow(0, comm.rank() * local, local), lrs[index], System.nanoTime()).loss());
                double expected = (Double) fx.get("loss_" + k);
                losses.add(List.of(loss, expected));
                worst.put("loss", worst.get("loss").max(Math.abs(loss - expected) / Math.abs(expected), "step " + k));
                List<Object> p = (List<Object>) fx.get("params_" + k);
                for (int i = 0; i < params.length; i++) {
                    worst.put("parameters", worst.get("parameters").max(relative(params[i], (Tensor) p.get(i)),
                            names.get(i) + " after step " + k));
                }
                List<Object> b = (List<Object>) fx.get("buffers_" + k + "_r" + comm.rank());
                for (int i = 0; i < buffers.length; i++) {
                    worst.put("buffers", worst.get("buffers").max(relative(buffers[i], (Tensor) b.get(i)),
                            "buffer " + i + " after step " + k));
                }
                Tensor h = ((Tensor) fx.get("head_" + k)).narrow(0, shard.start(), shard.size());
                worst.put("head", worst.get("head").max(relative(head.weights().weight(), h), "head shard after step " + k));
            }
        } finally {
            Arrays.stream(params).forEach(Scoped::release);
            Arrays.stream(buffers).forEach(Scoped::release);
            net.close();
        }
        return new Result(worst, losses);
    }

    private static Tensor[] handles(Tensor[] elements) {
        return Arrays.stream(elements).map(Scoped::holdHandle).toArray(Tensor[]::new);
    }

    private static void load(Tensor[] into, List<Object> values, List<String> names, String what) {
        if (into.length != values.size()) {
            throw new AssertionError("FidelityNet has " + into.length + " " + what + "s, the fixture " + values.size());
        }
        try (NoGradGuard noGrad = new NoGradGuard()) {
            for (int i = 0; i < into.length; i++) {
                Tensor v = (Tensor) values.get(i);
                if (!Arrays.equals(Tensors.shape(into[i]), Tensors.shape(v))) {
                    throw new AssertionError(what + " " + (names == null ? i : names.get(i)) + ": FidelityNet's shape "
                            + Arrays.toString(Tensors.shape(into[i])) + ", the fixture's " + Arrays.toString(Tensors.shape(v)));
                }
                into[i].copy_(v);
            }
        }
    }

    /** max|a − e| / max|e| (num_batches_tracked and other integer buffers compare as doubles). */
    private static double relative(Tensor actual, Tensor expected) {
        double[] a = Tensors.toDoubleArray(actual);
        double[] e = Tensors.toDoubleArray(expected);
        if (a.length != e.length) {
            return Double.POSITIVE_INFINITY;
        }
        double diff = 0;
        double scale = 0;
        for (int i = 0; i < a.length; i++) {
            diff = Math.max(diff, Math.abs(a[i] - e[i]));
            scale = Math.max(scale, Math.abs(e[i]));
        }
        return scale == 0 ? diff : diff / scale;
    }
}
