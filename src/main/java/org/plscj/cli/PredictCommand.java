package org.plscj.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.plscj.serve.EmbeddingEngine;
import org.plscj.serve.AnyModel;
import org.plscj.serve.Predictor;
import org.plscj.tensor.Native;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code plsc predict}: a dataset's embeddings as a NumPy .npy file. */
@Command(
        name = "predict",
        mixinStandardHelpOptions = true,
        description = {
            "Embeds every image of a PLSC data directory (file order) or an image folder (sorted paths) and",
            "writes a float32 .npy matrix [images, emb_dim] (numpy.load reads it)."
        })
final class PredictCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "PATH",
            description = "A bundle from 'plsc export' or 'plsc import', a bare .onnx file, or a checkpoint directory.")
    Path model;

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "A PLSC data directory or an image folder.")
    Path data;

    @Option(names = "--out", required = true, paramLabel = "FILE.npy")
    Path out;

    @Mixin
    InputStdOption opening;

    @Option(names = "--batch", defaultValue = "64", description = "Images per batch (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--normalize", description = "L2-normalise each embedding.")
    boolean normalize;

    @Mixin
    ProgressOptions progress;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Native.load();
        try (AnyModel opened = opening.open(model, spec.commandLine().getErr())) {
            EmbeddingEngine e = opened.engine();
            long n = new Predictor(e, batch, normalize).run(data, out, progress.progress());
            spec.commandLine().getOut().printf("wrote %s: %d x %d float32%n", out, n, e.embDim());
        }
        return 0;
    }
}
