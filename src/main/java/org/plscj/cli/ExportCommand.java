package org.plscj.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.plscj.export.BundleMeta;
import org.plscj.export.BundleWriter;
import org.plscj.export.CentresPrecision;
import org.plscj.tensor.Native;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/** {@code plsc export}: a checkpoint → an inference bundle (weights, ONNX graph, class centres, config). */
@Command(
        name = "export",
        mixinStandardHelpOptions = true,
        description = {
            "Writes an inference bundle from a checkpoint directory (step-N): backbone.pt (state_dict),",
            "backbone.onnx (opset 13; input 'images' [batch,3,112,112], output 'embeddings'), centres.pt",
            "(the L2-normalised class centres gathered from every head shard), labels.tsv (the centres' names, when the",
            "checkpoint has them) and model.json (with the fingerprint: the SHA-256 of backbone.pt, and the provenance:",
            "checkpoint, step, run id, SHA-256 of the training config).",
            "The bundle directory appears complete or not at all; an existing one is refused."
        })
final class ExportCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, paramLabel = "DIR", description = "A checkpoint directory (one holding meta.json).")
    Path checkpoint;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "The bundle directory to create.")
    Path out;

    @Option(names = "--centres", defaultValue = "fp32", paramLabel = "fp32|fp16|int8|none",
            converter = CentresConverter.class, description = "How to store the class centres (default ${DEFAULT-VALUE}).")
    CentresPrecision centres;

    @Option(names = "--threshold", paramLabel = "COS",
            description = "The verification threshold (cosine similarity) found in evaluation, for /v1/verify.")
    Double threshold;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        Native.load();
        BundleMeta meta = BundleWriter.fromCheckpoint(checkpoint, out, centres, threshold);
        spec.commandLine().getOut().printf("wrote %s: %s, emb_dim %d, %d centres (%s), fingerprint %s%n", out, meta.modelName(),
                meta.embDim(), meta.numClasses(), meta.centres(), meta.fingerprint());
        return 0;
    }

    /** Accepts fp32, fp16, int8 or none in any case. */
    static final class CentresConverter implements ITypeConverter<CentresPrecision> {
        @Override
        public CentresPrecision convert(String value) {
            try {
                return CentresPrecision.valueOf(value.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException("--centres must be fp32, fp16, int8 or none, got '" + value + "'");
            }
        }
    }
}
