package org.plscj.examples;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.SGD;
import org.bytedeco.pytorch.SGDOptions;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.plscj.comm.Communicator;
import org.plscj.comm.DistEnv;
import org.plscj.head.HeadConfig;
import org.plscj.head.HeadResult;
import org.plscj.head.LossType;
import org.plscj.head.PartialFC;
import org.plscj.tensor.Scoped;

/**
 * A training loop of your own with PLSC-J's model-parallel head: a toy backbone (two linear layers) learns 2,000
 * synthetic classes (each a random point plus noise) through an arcface {@link PartialFC} that samples half the class
 * centres each step. Run it as one process, or as N through {@code plsc launch --nproc N --exec -- java … HeadInYourLoop}
 * (or torchrun's variables set by hand): each worker then holds 1/N of the class centres.
 *
 * <p>Exits 1 unless the mean loss of the last 10 steps is below 3/4 of the first step's (arcface's loss starts near 57
 * here and is near 32 after 100 steps on 2 workers), so a build or installation that no longer trains fails CI.
 */
public final class HeadInYourLoop {
    private static final int CLASSES = 2000;
    private static final int INPUTS = 128;
    private static final int HIDDEN = 256;
    private static final int EMB_DIM = 64;
    private static final int BATCH = 32;
    private static final double LR = 0.1;

    private HeadInYourLoop() {}

    public static void main(String[] args) {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        HeadConfig config = HeadConfig.of(CLASSES, EMB_DIM, LossType.ARCFACE)   // margin 0.5, scale 64
                .withSampleRatio(0.5);                                          // Partial FC
        double first = Double.NaN;
        double lastTen = 0;
        // one worker without the torchrun variables; with them, a Gloo process group
        try (Communicator comm = Communicator.connect(DistEnv.fromEnvironment(), Duration.ofMinutes(5));
                PartialFC head = new PartialFC(config, comm)) {
            torch.manual_seed(0);                              // the same classes and backbone on every worker
            Tensor classPoints = torch.randn(CLASSES, INPUTS);
            LinearImpl hidden = new LinearImpl(INPUTS, HIDDEN);
            LinearImpl embedding = new LinearImpl(HIDDEN, EMB_DIM);
            TensorVector parameters = new TensorVector();
            for (LinearImpl layer : List.of(hidden, embedding)) {
                parameters.push_back(layer.weight());
                parameters.push_back(layer.bias());
            }
            SGD optimizer = new SGD(parameters, new SGDOptions(LR));
            torch.manual_seed(1 + comm.rank());                // each worker its own batches
            System.out.printf("rank %d of %d holds classes [%d, %d)%n", comm.rank(), comm.worldSize(),
                    head.shard().start(), head.shard().start() + head.shard().size());
            for (int step = 1; step <= steps; step++) {
                double loss = trainStep(classPoints, hidden, embedding, parameters, optimizer, head, comm);
                first = step == 1 ? loss : first;
                lastTen += step > steps - 10 ? loss / Math.min(10, steps) : 0;
                if (comm.rank() == 0 && (step == 1 || step % 20 == 0 || step == steps)) {
                    System.out.printf("step %d loss %.4f%n", step, loss);
                }
            }
        }
        boolean learnt = lastTen < 0.75 * first;
        System.out.printf("loss %.4f at the first step, %.4f over the last 10: %s%n", first, lastTen,
                learnt ? "learning" : "NOT learning");
        System.exit(learnt ? 0 : 1);
    }

    /** One step on every worker at once; returns the global batch's loss. */
    private static double trainStep(Tensor classPoints, LinearImpl hidden, LinearImpl embedding, TensorVector parameters,
            SGD optimizer, PartialFC head, Communicator comm) {
        double[] loss = new double[1];
        Scoped.run(() -> {                                     // frees this step's tensors at its end
            Tensor labels = torch.randint(CLASSES, new long[] {BATCH});
            Tensor images = classPoints.index_select(0, labels).add(torch.randn(BATCH, INPUTS).mul(new Scalar(0.5)));
            optimizer.zero_grad();
            Tensor x = embedding.forward(torch.relu(hidden.forward(images)));   // [B, EMB_DIM], this worker's rows
            HeadResult r = head.step(x, labels, LR);           // all workers: loss, accuracy, dL/dx; updates the shard
            x.mul(r.embeddingGrad()).sum().backward();         // dL/dx into the backbone's graph
            List<Tensor> gradients = new ArrayList<>();
            for (long i = 0; i < parameters.size(); i++) {
                gradients.add(parameters.get(i).grad());
            }
            comm.allReduceCoalesced(gradients);                // SUM: dL/dx is of the global mean loss
            optimizer.step();
            loss[0] = r.loss();
        });
        return loss[0];
    }
}
