package org.plscj.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.plscj.model.Backbone;
import org.plscj.model.Backbones;
import org.plscj.tensor.Native;
import org.plscj.train.TimePlan;

/** {@code plsc plan --time}: the cluster and rates given on the command line reach the model, and bad shapes are refused. */
class PlanTimeCommandTest {
    private static String run(String... args) {
        return PlscOutput.ofSuccess(args);
    }

    private static double figure(String output, String label) {
        Matcher m = Pattern.compile(Pattern.quote(label) + " +([0-9,.]+) ms").matcher(output);
        assertTrue(m.find(), label + " in:\n" + output);
        return Double.parseDouble(m.group(1).replace(",", ""));
    }

    @Test
    void theStepIsPlannedFromTheGivenClusterAndMeasuredSpeed() {
        String out = run("plan", "--time", "--nodes", "2", "--nproc-per-node", "2", "--cores-per-node", "4", "--bandwidth-gbit", "1",
                "--backbone-img-s", "10", "--measured-cores", "1", "--core-gflops", "100", "--images", "1000000",
                "model_name=TinyFaceNet", "emb_dim=64", "num_classes=1000", "train_batch_size=16", "bucket_cap_mb=0");
        Native.load();
        long parameters = 0;
        try (PointerScope scope = new PointerScope(); Backbone net = Backbones.create("TinyFaceNet", 64)) {
            for (Tensor p : net.parameters().get()) {
                parameters += p.numel();
            }
        }
        // 2 cores per worker: 10 img/s measured on 1 core → 20 img/s; the head at 100 GFLOP/s per core × 2; 50 GB/s per machine / 2
        TimePlan expected = TimePlan.of(new TimePlan.Cluster(2, 2, 1, 1.2, 50),
                new TimePlan.Workload(16, 64, 1000, 1.0, parameters, 0, 20, 200, 25));
        assertEquals(expected.backboneMs(), figure(out, "backbone (with its update)"), 0.05, "printed with one decimal");
        assertEquals(expected.communicationMs(), figure(out, "communication"), 0.05);
        assertEquals(expected.stepMs(), figure(out, "step"), 0.05);
        assertTrue(out.contains("time: 2 machine(s) × 2 worker(s), 4 cores per machine (2.00 per worker), 1 Gbit/s"), out);
        assertTrue(out.contains("dominant: " + expected.dominant()), out);
        assertTrue(out.contains("epoch of 1,000,000 images"), out);
        assertTrue(out.contains("classes per worker"), "the memory plan is still printed:\n" + out);
    }

    @Test
    void moreWorkersThanCoresOnAMachineAreRefused() {
        StringWriter err = new StringWriter();
        int exit = Plsc.commandLine().setErr(new PrintWriter(err)).execute("plan", "--time", "--nproc-per-node", "4", "--cores-per-node", "2",
                "--backbone-img-s", "1", "--core-gflops", "100", "model_name=TinyFaceNet", "emb_dim=64", "num_classes=100");
        assertEquals(Plsc.BAD_INPUT, exit, err.toString());
        assertTrue(err.toString().contains("--cores-per-node 2 is fewer than the 4 workers per node"), err.toString());
    }
}
