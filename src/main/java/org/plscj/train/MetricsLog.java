package org.plscj.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.plscj.io.AtomicFile;

/**
 * {@code <dir>/metrics.jsonl}: one JSON object per logged step, flushed as it is written, so a
 * crash loses nothing that was logged. Opening for a run that resumes from the checkpoint of step
 * c keeps the lines up to c and drops later ones (the crashed run logged them, the resumed run will
 * log them again), and drops a half-written last line.
 *
 * <pre>{@code
 * try (MetricsLog log = MetricsLog.open(config.modelSaveDir(), resumedStep)) {
 *     log.append(new MetricsEntry(step, epoch, loss, null, lr, imagesPerSecond, eta));
 *     log.writeCurves();   // loss.png, accuracy.png, lr.png next to metrics.jsonl
 * }
 * }</pre>
 */
public final class MetricsLog implements Closeable {
    public static final String FILE_NAME = "metrics.jsonl";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final BufferedWriter out;

    private MetricsLog(Path dir, BufferedWriter out) {
        this.dir = dir;
        this.out = out;
    }

    /**
     * @param resumeStep the step of the checkpoint the run starts from; 0 for a fresh run (which
     *                   drops every earlier line)
     */
    public static MetricsLog open(Path dir, long resumeStep) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(FILE_NAME);
        if (Files.exists(file)) {
            StringBuilder kept = new StringBuilder();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                parse(line).filter(e -> e.step() <= resumeStep).ifPresent(e -> kept.append(line).append('\n'));
            }
            byte[] bytes = kept.toString().getBytes(StandardCharsets.UTF_8);
            AtomicFile.write(file, sink -> sink.write(bytes));
        }
        return new MetricsLog(dir, Files.newBufferedWriter(file, StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND));
    }

    /** Same as {@link #open(Path, long)} for a directory given as text (TrainConfig's model_save_dir). */
    public static MetricsLog open(String dir, long resumeStep) throws IOException {
        return open(Path.of(dir), resumeStep);
    }

    public Path file() {
        return dir.resolve(FILE_NAME);
    }

    /** Writes and flushes one line. */
    public void append(MetricsEntry entry) throws IOException {
        out.write(JSON.writeValueAsString(toJson(entry)));
        out.write('\n');
        out.flush();
    }

    /** Every entry in {@code <dir>/metrics.jsonl}, skipping lines that do not parse. */
    public static List<MetricsEntry> read(Path dir) throws IOException {
        Path file = dir.resolve(FILE_NAME);
        List<MetricsEntry> entries = new ArrayList<>();
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                parse(line).ifPresent(entries::add);
            }
        }
        return entries;
    }

    /** Renders loss.png, lr.png and (when any accuracy was logged) accuracy.png from metrics.jsonl. */
    public void writeCurves() throws IOException {
        MetricsCurves.write(read(dir), dir);
    }

    @Override
    public void close() throws IOException {
        out.close();
    }

    private static ObjectNode toJson(MetricsEntry e) {
        ObjectNode node = JSON.createObjectNode();
        node.put("step", e.step());
        node.put("epoch", e.epoch());
        node.put("loss", e.loss());
        node.put("acc", e.acc());
        node.put("lr", e.lr());
        node.put("images_per_s", e.imagesPerSecond());
        node.put("eta_s", e.etaSeconds());
        new TreeMap<>(e.extra()).forEach(node::put);
        return node;
    }

    /** The entry on a line, or empty for a line that is not one (a half-written last line). */
    private static Optional<MetricsEntry> parse(String line) {
        try {
            JsonNode node = JSON.readTree(line);
            if (node == null || !node.isObject() || !node.hasNonNull("step")) {
                return Optional.empty();
            }
            Map<String, Double> extra = new LinkedHashMap<>();
            for (Iterator<String> names = node.fieldNames(); names.hasNext();) {
                String name = names.next();
                if (!MetricsEntry.FIELDS.contains(name)) {
                    extra.put(name, number(node.get(name)));
                }
            }
            JsonNode acc = node.get("acc");
            return Optional.of(new MetricsEntry(node.get("step").asLong(), node.path("epoch").asInt(),
                    number(node.get("loss")), acc == null || acc.isNull() ? null : number(acc), number(node.get("lr")),
                    number(node.get("images_per_s")), number(node.get("eta_s")), extra));
        } catch (JsonProcessingException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** A JSON number, or Jackson's "NaN"/"Infinity" strings for non-finite values; NaN when absent. */
    private static double number(JsonNode node) {
        if (node == null || node.isNull()) {
            return Double.NaN;
        }
        return node.isNumber() ? node.doubleValue() : Double.parseDouble(node.asText());
    }
}
