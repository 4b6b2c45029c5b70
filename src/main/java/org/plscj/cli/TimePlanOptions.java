package org.plscj.cli;

import java.io.PrintStream;
import org.plscj.bench.ComputeFloor;
import org.plscj.model.Backbone;
import org.plscj.model.Backbones;
import org.plscj.model.ForwardCost;
import org.plscj.tensor.Native;
import org.plscj.train.TimePlan;
import org.plscj.train.TrainConfig;
import picocli.CommandLine.Option;

/** {@code plsc plan --time}'s cluster and rates, turned into a {@link TimePlan} and printed with its assumptions. */
final class TimePlanOptions {
    @Option(names = "--cores-per-node", paramLabel = "N", description = "Cores of each machine (default: this machine's).")
    Integer coresPerNode;

    @Option(names = "--bandwidth-gbit", defaultValue = "10", paramLabel = "GBIT",
            description = "Network bandwidth of each machine, each way (default ${DEFAULT-VALUE} Gbit/s).")
    double bandwidthGbit;

    @Option(names = "--local-gbyte-s", defaultValue = "1.2", paramLabel = "GB/S",
            description = "Rate of a Gloo collective between workers of one machine (default ${DEFAULT-VALUE}: a 100 MB all-reduce "
                    + "between 2 processes over loopback took 78–91 ms on a 2-vCPU EPYC, STACK.md).")
    double localGbyteS;

    @Option(names = "--latency-us", defaultValue = "50", paramLabel = "US",
            description = "Network latency of one ring step between machines (default ${DEFAULT-VALUE} µs).")
    double latencyUs;

    @Option(names = "--backbone-img-s", paramLabel = "IMG/S",
            description = "Backbone training images/s of ONE worker as 'plsc bench train' (1 worker) measured it with "
                    + "--measured-cores threads; scaled linearly to each worker's cores. Default: the compute floor.")
    Double backboneImagesPerS;

    @Option(names = "--measured-cores", paramLabel = "N",
            description = "Threads --backbone-img-s was measured with (default: this machine's cores).")
    Integer measuredCores;

    @Option(names = "--core-gflops", paramLabel = "GFLOP/S",
            description = "Flop rate of one core for the compute floor and the head's GEMMs (default: a oneDNN convolution "
                    + "timed here, divided by the threads it ran on).")
    Double coreGflops;

    @Option(names = "--floor-ratio", defaultValue = "1", paramLabel = "X",
            description = "Without --backbone-img-s: step time / compute floor (default ${DEFAULT-VALUE}, the floor itself; "
                    + "BENCHMARKS.md has measured ratios).")
    double floorRatio;

    @Option(names = "--memory-gbyte-s", defaultValue = "50", paramLabel = "GB/S",
            description = "Memory bandwidth of a machine, shared by its workers, for the SGD updates (default ${DEFAULT-VALUE}: torch's "
                    + "SGD momentum step on a [100000, 512] W took 16–20 ms on this 2-vCPU machine, 20 bytes per weight, STACK.md).")
    double memoryGbyteS;

    @Option(names = "--images", paramLabel = "N",
            description = "Images per epoch (MS1M-V2: 5822653); without it, hours per million images.")
    Long images;

    /** Plans the time of {@code c} with {@code backbone}, the network it builds (only its shapes are read). */
    void print(TrainConfig c, Backbone backbone, int nodes, int procsPerNode, PrintStream out) {
        int cores = coresPerNode != null ? coresPerNode : Runtime.getRuntime().availableProcessors();
        if (cores < procsPerNode) {
            throw new IllegalArgumentException("--cores-per-node " + cores + " is fewer than the " + procsPerNode + " workers per node");
        }
        double coresPerWorker = (double) cores / procsPerNode;
        long parameters = Backbones.trainableParameterCount(backbone);
        long macs = ForwardCost.perImage(backbone).macs();
        ComputeFloor floor = coreGflops == null ? ComputeFloor.measure(backbone, false) : null;
        double perCore = coreGflops != null ? coreGflops : floor.peakGflops() / Native.intraOpThreads();
        double floorImagesPerS = perCore * coresPerWorker * 1e9 / (6.0 * macs);
        double imagesPerS;
        String backboneSource;
        if (backboneImagesPerS != null) {
            int measured = measuredCores != null ? measuredCores : Runtime.getRuntime().availableProcessors();
            imagesPerS = backboneImagesPerS * coresPerWorker / measured;
            backboneSource = String.format("%.2f img/s measured on %d core(s), × %.2f/%d cores (linear scaling); the floor would be %.2f img/s",
                    backboneImagesPerS, measured, coresPerWorker, measured, floorImagesPerS);
        } else {
            imagesPerS = floorImagesPerS / floorRatio;
            backboneSource = String.format("compute floor 6 × %.2f GMAC/image at %.1f GFLOP/s per core × %.2f cores%s", macs / 1e9, perCore,
                    coresPerWorker, floorRatio == 1 ? " (never reached: a step is slower)" : String.format(", ÷ floor ratio %.2f", floorRatio));
        }
        TimePlan.Cluster cluster = new TimePlan.Cluster(nodes, procsPerNode, bandwidthGbit, localGbyteS, latencyUs);
        TimePlan.Workload workload = new TimePlan.Workload(c.trainBatchSize(), c.embDim(), c.numClasses(), c.sampleRatio(), parameters,
                c.bucketCapMb(), imagesPerS, perCore * coresPerWorker, memoryGbyteS / procsPerNode);
        TimePlan plan = TimePlan.of(cluster, workload);
        report(plan, c, cores, coresPerWorker, backboneSource, out);
    }

    private void report(TimePlan plan, TrainConfig c, int cores, double coresPerWorker, String backboneSource, PrintStream out) {
        TimePlan.Cluster cl = plan.cluster();
        out.printf("time: %d machine(s) × %d worker(s), %d cores per machine (%.2f per worker), %s Gbit/s between machines%n",
                cl.nodes(), cl.procsPerNode(), cores, coresPerWorker, trim(cl.bandwidthGbit()));
        out.printf("  backbone (with its update) %,12.1f ms%n", plan.backboneMs());
        out.printf("  head (GEMMs, update)       %,12.1f ms%n", plan.headMs());
        out.printf("  communication              %,12.1f ms  (features/labels/∂L/∂x/softmax %,.1f; gradient all-reduce %,.1f, of it exposed %,.1f%s)%n",
                plan.communicationMs(), plan.featureCommMs(), plan.gradientCommMs(), plan.exposedGradMs(),
                c.bucketCapMb() > 0 ? ", buckets of " + trim(c.bucketCapMb()) + " MiB" : ", bucket_cap_mb 0");
        out.printf("  step                       %,12.1f ms  → %,.1f img/s over %d workers (global batch %d)%n", plan.stepMs(),
                plan.imagesPerS(), cl.workers(), c.trainBatchSize() * cl.workers());
        String dominant = plan.dominant();
        out.printf("  dominant: %s (%.0f %% of the step)%n", dominant, 100 * plan.terms().get(dominant) / plan.stepMs());
        if (images != null) {
            double hours = plan.hoursPerEpoch(images);
            long global = (long) c.trainBatchSize() * cl.workers();
            double epochs = c.trainSteps() > 0 ? (double) c.trainSteps() * global / images : c.trainEpochs();
            out.printf("  epoch of %,d images        %,12.2f hours%n", images, hours);
            out.printf("  recipe: %.2f epochs        %,12.2f days, %,.0f node-hours%n", epochs, hours * epochs / 24, hours * epochs * cl.nodes());
        } else {
            out.printf("  per million images         %,12.2f hours (--images N for epochs and the recipe)%n", plan.hoursPerEpoch(1_000_000));
        }
        out.println("  assumptions: backbone " + backboneSource + ";");
        out.printf("    head: 6·N·D·n flops at %.1f GFLOP/s per worker; updates: 20 bytes per weight at %.1f GB/s per worker;%n",
                plan.workload().headGflops(), plan.workload().memoryGbyteS());
        out.printf("    collectives: rings over all workers, the slowest link %s (latency %s µs per step between machines);%n",
                cl.nodes() > 1 ? trim(cl.bandwidthGbit()) + " Gbit/s network" : trim(cl.localGbyteS()) + " GB/s local", trim(cl.latencyUs()));
        out.println("    gradient buckets overlap with backward (⅔ of forward + backward) except the last; not modelled: the CPU the");
        out.println("    collectives take from the computation, the data loader, validation and checkpoints, stragglers");
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
