package org.plscj.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.plscj.checkpoint.Checkpoint;
import org.plscj.comm.Communicator;
import org.plscj.data.ImageDecoder;
import org.plscj.data.PlscDataset;
import org.plscj.data.PlscRecord;
import org.plscj.io.AtomicFile;
import org.plscj.labels.LabelMap;
import org.plscj.model.Backbone;
import org.plscj.progress.Progress;
import org.plscj.tensor.Placement;

/**
 * {@code plsc eval --identify}: 1:N identification ({@link Identification}) with a checkpoint's backbone, or any
 * {@link FaceModel} (a bundle, a bare .onnx).
 * The gallery and the probes are PLSC data directories (base64 image, tab, label); a label is an
 * identity, and every probe's identity must be in the gallery. Images are embedded with flip-sum
 * ({@link Embedder}), split among the ranks like the verification sets.
 */
public final class CheckpointIdentification {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Probes whose identity did not rank first, listed in the JSON report at most. */
    static final int MAX_MISSES_LISTED = 1000;

    /**
     * An identification and what names its probes.
     *
     * @param probeLabels each probe's identity (its label)
     * @param names       the identities' names (the gallery directory's {@code labels.tsv}), or null
     */
    public record Report(Identification.Result result, int[] probeLabels, LabelMap names) {}

    private CheckpointIdentification() {}

    /**
     * A collective: every rank calls it with the same directories and gets the full result; the identities are named
     * by the gallery's {@code labels.tsv} when it has one.
     */
    public static Report identify(Checkpoint checkpoint, Path gallery, Path probes, int batchSize, Communicator comm)
            throws IOException {
        return identify(checkpoint, gallery, probes, batchSize, comm, (set, features) -> { }, Progress.quiet());
    }

    /**
     * As {@link #identify(Checkpoint, Path, Path, int, Communicator)}, handing the per-image features of the sets named
     * {@code gallery} and {@code probes} to {@code features}, and reporting the images of this rank's share embedded
     * (gallery, then probes) to {@code progress}.
     */
    public static Report identify(Checkpoint checkpoint, Path gallery, Path probes, int batchSize, Communicator comm,
            VerificationEvaluator.FeatureSink features, Progress progress) throws IOException {
        try (Backbone backbone = CheckpointEvaluation.loadBackbone(checkpoint)) {
            return identify(new Embedder(backbone, batchSize, Placement.CPU_FLOAT, comm).reporting(progress), gallery, probes, features);
        }
    }

    /** With any model, as the checkpoint's identify above. */
    public static Report identify(FaceModel model, Path gallery, Path probes, int batchSize, Communicator comm,
            VerificationEvaluator.FeatureSink features, Progress progress) throws IOException {
        return identify(new Embedder(model, batchSize, comm).reporting(progress), gallery, probes, features);
    }

    private static Report identify(Embedder embedder, Path gallery, Path probes, VerificationEvaluator.FeatureSink features)
            throws IOException {
        List<PlscRecord> galleryRecords = read(gallery);
        List<PlscRecord> probeRecords = read(probes);
        LabelMap names = LabelMap.readIfPresent(gallery.resolve(LabelMap.FILE)).orElse(null);
        int[] probeLabels = labels(probeRecords);
        double[][] galleryEmbeddings = embed(embedder, galleryRecords, "gallery", features);
        double[][] probeEmbeddings = embed(embedder, probeRecords, "probes", features);
        return new Report(Identification.evaluate(galleryEmbeddings, labels(galleryRecords), probeEmbeddings, probeLabels), probeLabels,
                names);
    }

    /** Top-1, top-5 and the CMC curve as lines for the terminal. */
    public static String summary(Identification.Result result) {
        StringBuilder out = new StringBuilder(String.format("top-1 %.5f, top-5 %.5f over %d probes%nCMC", result.top1(), result.top5(),
                result.ranks().length));
        for (int k = 0; k < result.cmc().length; k++) {
            out.append(String.format(" %d:%.5f", k + 1, result.cmc()[k]));
        }
        return out.append(System.lineSeparator()).toString();
    }

    /**
     * {@code checkpoint}, {@code top1}, {@code top5}, {@code cmc} (rank 1 first) and the probes missed at rank 1
     * ({@code misses_total}; {@code misses}: the first {@value #MAX_MISSES_LISTED} as probe index, class, name when the
     * gallery names it, and rank), written atomically.
     */
    public static void writeJson(Path file, Checkpoint checkpoint, Report report) throws IOException {
        writeJson(file, checkpoint.directory(), checkpoint.meta().step(), report);
    }

    /**
     * As {@link #writeJson(Path, Checkpoint, Report)} for any model: {@code model} is its file or directory, {@code step}
     * {@link EvaluationResult#NO_STEP} (left out) when it is not a checkpoint.
     */
    public static void writeJson(Path file, Path model, long step, Report report) throws IOException {
        Identification.Result result = report.result();
        ObjectNode root = JSON.createObjectNode();
        root.put("checkpoint", model.toString());
        if (step != EvaluationResult.NO_STEP) {
            root.put("step", step);
        }
        root.put("top1", result.top1());
        root.put("top5", result.top5());
        ArrayNode cmc = root.putArray("cmc");
        for (double rate : result.cmc()) {
            cmc.add(rate);
        }
        if (report.names() != null) {
            root.put("labels", report.names().source());
        }
        ArrayNode misses = JSON.createArrayNode();
        int total = 0;
        for (int p = 0; p < result.ranks().length; p++) {
            if (result.ranks()[p] > 1 && total++ < MAX_MISSES_LISTED) {
                ObjectNode miss = misses.addObject();
                miss.put("probe", p);
                miss.put("class", report.probeLabels()[p]);
                if (report.names() != null) {
                    report.names().name(report.probeLabels()[p]).ifPresent(name -> miss.put("name", name));
                }
                miss.put("rank", result.ranks()[p]);
            }
        }
        root.put("misses_total", total);
        root.set("misses", misses);
        byte[] bytes = JSON.writeValueAsBytes(root);
        AtomicFile.write(file, out -> out.write(bytes));
    }

    private static List<PlscRecord> read(Path dir) throws IOException {
        List<PlscRecord> records = new ArrayList<>();
        PlscDataset.open(dir).scan(PlscDataset.ReadOptions.strict(), (record, text) -> records.add(record));
        if (records.isEmpty()) {
            throw new IllegalArgumentException(dir + " holds no images: a gallery and a probe set need at least one each");
        }
        return records;
    }

    private static double[][] embed(Embedder embedder, List<PlscRecord> records, String set, VerificationEvaluator.FeatureSink features)
            throws IOException {
        ImageDecoder decoder = ImageDecoder.plsc();
        Embedder.Embeddings embedded = embedder.embed(records.size(),
                (index, out, offset) -> decoder.decodeInto(records.get(index), false, out, offset));
        features.accept(set, embedded.features());
        return embedded.embeddings();
    }

    private static int[] labels(List<PlscRecord> records) {
        return records.stream().mapToInt(PlscRecord::label).toArray();
    }
}
