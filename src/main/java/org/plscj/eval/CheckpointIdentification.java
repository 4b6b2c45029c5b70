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
import org.plscj.model.Backbone;
import org.plscj.tensor.Placement;

/**
 * {@code plsc eval --identify}: 1:N identification ({@link Identification}) with a checkpoint's backbone.
 * The gallery and the probes are PLSC data directories (base64 image, tab, label); a label is an
 * identity, and every probe's identity must be in the gallery. Images are embedded with flip-sum
 * ({@link Embedder}), split among the ranks like the verification sets.
 */
public final class CheckpointIdentification {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private CheckpointIdentification() {}

    /** A collective: every rank calls it with the same directories and gets the full result. */
    public static Identification.Result identify(Checkpoint checkpoint, Path gallery, Path probes, int batchSize, Communicator comm)
            throws IOException {
        List<PlscRecord> galleryRecords = read(gallery);
        List<PlscRecord> probeRecords = read(probes);
        try (Backbone backbone = CheckpointEvaluation.loadBackbone(checkpoint)) {
            Embedder embedder = new Embedder(backbone, batchSize, Placement.CPU_FLOAT, comm);
            return Identification.evaluate(embed(embedder, galleryRecords), labels(galleryRecords), embed(embedder, probeRecords),
                    labels(probeRecords));
        }
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

    /** {@code checkpoint}, {@code top1}, {@code top5} and {@code cmc} (rank 1 first), written atomically. */
    public static void writeJson(Path file, Checkpoint checkpoint, Identification.Result result) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("checkpoint", checkpoint.directory().toString());
        root.put("step", checkpoint.meta().step());
        root.put("top1", result.top1());
        root.put("top5", result.top5());
        ArrayNode cmc = root.putArray("cmc");
        for (double rate : result.cmc()) {
            cmc.add(rate);
        }
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

    private static double[][] embed(Embedder embedder, List<PlscRecord> records) {
        ImageDecoder decoder = ImageDecoder.plsc();
        return embedder.embed(records.size(), (index, out, offset) -> decoder.decodeInto(records.get(index), false, out, offset))
                .embeddings();
    }

    private static int[] labels(List<PlscRecord> records) {
        return records.stream().mapToInt(PlscRecord::label).toArray();
    }
}
