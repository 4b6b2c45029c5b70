package org.plscj.cli;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.plscj.comm.LocalLauncher;
import org.plscj.data.DataConvert;
import org.plscj.data.IdentityGenerator;
import org.plscj.eval.HeldOutPairs;
import org.plscj.eval.VerificationBinWriter;
import org.plscj.io.FileTrees;
import org.plscj.train.MetricsEntry;
import org.plscj.train.MetricsLog;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = {
            "The embedded default job, no downloads: generates procedural identities, trains a small backbone with",
            "dist_arcface on local workers ('plsc launch' + 'plsc train'), then measures verification accuracy",
            "(insightface's 10-fold protocol, through a .bin in insightface's layout) on pairs of held-out identities",
            "that training never saw. Everything lands under --out: data, checkpoints, curves, metrics and the log."
        })
final class DemoCommand implements Callable<Integer> {
    private static final long DATA_SEED = 2026;
    private static final double TARGET_ACCURACY = 0.95;

    @Option(names = "--out", defaultValue = "plsc-demo", description = "Working directory (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--nproc", defaultValue = "2", description = "Local workers (default ${DEFAULT-VALUE}).")
    int nproc;

    @Option(names = "--identities", defaultValue = "1000", description = "Training identities (default ${DEFAULT-VALUE}).")
    int identities;

    @Option(names = "--views", defaultValue = "16", description = "Images per training identity (default ${DEFAULT-VALUE}).")
    int views;

    @Option(names = "--pairs", defaultValue = "1200", description = "Held-out verification pairs (default ${DEFAULT-VALUE}).")
    int pairs;

    @Option(names = "--steps", defaultValue = "300", description = "Training steps (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--model", defaultValue = "TinyFaceNet", description = "Backbone (default ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--mixed-precision", defaultValue = "auto", paramLabel = "auto|true|false",
            description = "The training's mixed_precision (default ${DEFAULT-VALUE}: bf16 where the CPU has bf16 instructions).")
    String mixedPrecision;

    @Option(names = "--head-dtype", defaultValue = "float32", paramLabel = "float32|bfloat16",
            description = "The training's head_dtype: the element type of the head's W and momentum (default ${DEFAULT-VALUE}).")
    String headDtype;

    @Override
    public Integer call() throws IOException, InterruptedException {
        Path data = out.resolve("data");
        Path model = out.resolve("model");
        System.out.println("== plsc demo 1/3: " + identities + " generated identities x " + views + " views for training, "
                + pairs + " pairs from " + identities / 4 + " held-out identities for verification ==");
        prepareData(data);
        System.out.println();
        System.out.println("== plsc demo 2/3: training " + this.model + " + dist_arcface on " + nproc + " local workers, "
                + steps + " steps ==");
        FileTrees.deleteRecursively(model);
        Files.createDirectories(model);
        int code;
        try (OutputStream log = new FileOutputStream(model.resolve("train.log").toFile());
                PrintStream both = new PrintStream(new TeeStream(System.out, log), true)) {
            LocalLauncher.Topology local = new LocalLauncher.Topology(nproc, 1, 0, "127.0.0.1", LocalLauncher.freePort());
            code = new LocalLauncher(local, SelfCommand.of(trainArguments(data, model)), both).run();
        }
        if (code != 0) {
            System.out.println("plsc demo: training failed (exit " + code + "); its log is " + model.resolve("train.log"));
            return code;
        }
        System.out.println();
        System.out.println("== plsc demo 3/3: verification on held-out identities ==");
        double accuracy = heldOutAccuracy(model);
        System.out.printf("verification accuracy on held-out identities: %.4f (target >= %.2f: %s)%n", accuracy, TARGET_ACCURACY,
                accuracy >= TARGET_ACCURACY ? "met" : "NOT met");
        System.out.println("checkpoints: " + model.resolve("checkpoints"));
        System.out.println("curves:      " + model.resolve("loss.png") + ", " + model.resolve("accuracy.png") + ", "
                + model.resolve("lr.png") + ", ROC " + model.resolve("val").resolve("heldout-roc.png"));
        System.out.println("metrics:     " + model.resolve(MetricsLog.FILE_NAME) + "; log: " + model.resolve("train.log"));
        return 0;
    }

    /** Training identities [0, n), held-out identities [n, n + n/4): the generator is deterministic, so reuse is safe. */
    private void prepareData(Path data) throws IOException {
        Path marker = data.resolve(".complete-" + identities + "x" + views + "-" + pairs);
        if (Files.exists(marker)) {
            System.out.println("reusing " + data);
            return;
        }
        FileTrees.deleteRecursively(data);
        long start = System.nanoTime();
        DataConvert.fromGenerator(identities, views, DATA_SEED, 0, data, 1);
        VerificationBinWriter.write(data.resolve("heldout.bin"),
                HeldOutPairs.generate(new IdentityGenerator(DATA_SEED), identities, identities / 4, pairs, DATA_SEED));
        Files.createFile(marker);
        System.out.printf("wrote %s in %.1f s%n", data, (System.nanoTime() - start) / 1e9);
    }

    private List<String> trainArguments(Path data, Path model) {
        return List.of("train", "model_name=" + this.model, "loss_type=dist_arcface", "margin=0.3", "scale=32", "emb_dim=128",
                "num_classes=" + identities, "train_batch_size=64", "lr=1.6", "lr_steps=[" + steps * 3 / 4 + "]",
                "warmup_epochs=0", "train_steps=" + steps, "log_period=50", "calc_acc=true", "val_targets=[heldout]",
                "test_period=" + steps / 2, "save_steps=" + steps / 2, "test_batch_size=100", "dataset_dir=" + data,
                "model_save_dir=" + model, "seed=7", "mixed_precision=" + mixedPrecision, "head_dtype=" + headDtype);
    }

    private static double heldOutAccuracy(Path model) throws IOException {
        List<MetricsEntry> entries = MetricsLog.read(model);
        for (int i = entries.size() - 1; i >= 0; i--) {
            Map<String, Double> extra = entries.get(i).extra();
            if (extra.containsKey("heldout_acc")) {
                return extra.get("heldout_acc");
            }
        }
        throw new IllegalStateException("training wrote no held-out accuracy into " + model.resolve(MetricsLog.FILE_NAME));
    }


    /** Writes to two streams: the terminal and the log file. */
    private static final class TeeStream extends OutputStream {
        private final OutputStream a;
        private final OutputStream b;

        TeeStream(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int c) throws IOException {
            a.write(c);
            b.write(c);
        }

        @Override
        public void write(byte[] buf, int off, int len) throws IOException {
            a.write(buf, off, len);
            b.write(buf, off, len);
        }

        @Override
        public void flush() throws IOException {
            a.flush();
            b.flush();
        }
    }
}
