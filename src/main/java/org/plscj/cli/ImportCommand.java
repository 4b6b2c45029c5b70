package org.plscj.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.plscj.io.Sha256;
import org.plscj.model.Backbone;
import org.plscj.model.Backbones;
import org.plscj.export.BundleMeta;
import org.plscj.export.BundleWriter;
import org.plscj.export.CentresPrecision;
import org.plscj.export.PyTorchImport;
import org.plscj.tensor.Native;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code plsc import}: a PyTorch state_dict (arcface_torch backbone.pth) → an inference bundle. */
@Command(
        name = "import",
        mixinStandardHelpOptions = true,
        description = {
            "Loads a PyTorch state_dict saved with torch.save (arcface_torch's backbone.pth of IResNet18/34/50/100",
            "or MobileFaceNet) into the named backbone and writes an inference bundle without class centres",
            "(backbone.pt, backbone.onnx, model.json) for 'plsc serve' and 'plsc predict'. model.json records the file, its",
            "SHA-256, --source and --source-license: pretrained face models often restrict use (insightface's are for",
            "non-commercial research only), so say what the publisher's terms are."
        })
final class ImportCommand implements Callable<Integer> {
    @Option(names = "--pytorch", required = true, paramLabel = "FILE", description = "The torch.save file (a state_dict).")
    Path file;

    @Option(names = "--model", required = true, paramLabel = "NAME", description = "The backbone: r18, r34, r50, r100, mbf, ...")
    String model;

    @Option(names = "--emb-dim", defaultValue = "512", description = "Embedding size (default ${DEFAULT-VALUE}).")
    int embDim;

    @Option(names = "--threshold", paramLabel = "COS", description = "The verification threshold (cosine similarity), if known.")
    Double threshold;

    @Option(names = "--source", paramLabel = "TEXT",
            description = "Where the weights came from (a URL, a release name), recorded in model.json's provenance.")
    String source;

    @Option(names = "--source-license", paramLabel = "TEXT",
            description = "The weights' licence as their publisher states it (e.g. 'non-commercial research only'), recorded in"
                    + " model.json; not verified. Without it model.json says 'unstated'.")
    String sourceLicense;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "The bundle directory to create.")
    Path out;

    @Option(names = "--input-std", defaultValue = "127.5", paramLabel = "STD",
            description = {"The pixel std the weights were trained with, their input being (x - 127.5)/STD: 127.5 for arcface_torch",
                "(default), 128 for PLSC's. Folded into the first convolution, so the bundle takes PLSC's (x - 127.5)/128 like any other."})
    double inputStd;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        Native.load();
        Backbone backbone = Backbones.create(model, embDim);
        int tensors = PyTorchImport.load(backbone, file).size();
        String folded = PyTorchImport.foldInputStd(backbone, inputStd).map(name -> ", input std " + inputStd + " folded into " + name)
                .orElse("");
        String path = file.toAbsolutePath().normalize().toString();
        BundleMeta meta = BundleWriter.write(out, backbone, null, CentresPrecision.NONE, new BundleMeta(BundleMeta.FORMAT,
                backbone.modelName(), embDim, 0, "none", "none", threshold, "pytorch " + path, null,
                BundleMeta.Provenance.ofImport(path, Sha256.of(file), source, sourceLicense == null ? "unstated" : sourceLicense)));
        spec.commandLine().getOut().printf("wrote %s: %s, emb_dim %d, %d tensors imported%s, fingerprint %s%n", out, backbone.modelName(),
                embDim, tensors, folded, meta.fingerprint());
        return 0;
    }
}
