package org.plscj.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.plscj.tb.EventFileWriter;
import org.plscj.tensor.Native;
import org.plscj.testing.EventFileReader;
import org.plscj.testing.TinyRun;

/**
 * Every training run writes a TensorBoard event file under model_save_dir/tb/, and TensorBoard's way of reading it
 * ({@link EventFileReader}: TFRecord framing, masked CRC32C, Event messages) gets back what metrics.jsonl says.
 */
class TrainingEventsTest {
    @TempDir
    static Path shared;
    private static Path run;

    @BeforeAll
    static void train() throws Exception {
        EventFileReader.assumeAvailable();
        Native.load();
        TinyRun.writeData(shared.resolve("data"));
        run = shared.resolve("run");
        TinyRun.train(TinyRun.config(shared.resolve("data"), run, "calc_acc=true"), false);
    }

    @Test
    void everyMetricsLineIsAnEventWithTheSameScalarsAndTheTestAddsItsRoc() throws Exception {
        List<Path> files = EventFileReader.files(run.resolve("tb"));
        assertEquals(1, files.size(), "one event file per run: " + files);
        EventFileReader.Reading reading = EventFileReader.read(files);
        assertEquals(0, reading.exitCode(), reading.errors());
        List<JsonNode> events = reading.events();
        assertEquals(EventFileWriter.FILE_VERSION, events.get(0).path("file_version").asText(), "the first event names the version");
        assertEquals("START", events.get(1).path("session_log").asText(), "a run starts a session at its first step");
        assertEquals(1, events.get(1).get("step").asLong());

        List<MetricsEntry> lines = MetricsLog.read(run);
        assertEquals(6, lines.size(), "log_period 1: a metrics line per step");
        Map<Long, JsonNode> scalars = scalarsByStep(events);
        assertEquals(lines.size(), scalars.size(), "one scalar event per metrics line: " + scalars.keySet());
        for (MetricsEntry line : lines) {
            JsonNode got = scalars.get(line.step());
            String at = "step " + line.step();
            // why exact: TensorBoard stores float32, and the reader prints the float it decoded exactly
            assertEquals((float) line.loss(), got.get("train/loss").floatValue(), at + " loss");
            assertEquals((float) line.lr(), got.get("train/lr").floatValue(), at + " lr");
            assertEquals((float) line.acc().doubleValue(), got.get("train/acc").floatValue(), at + " acc");
            assertEquals((float) line.imagesPerSecond(), got.get("train/images_per_s").floatValue(), at + " images/s");
            assertEquals((float) line.extra().get("grad_norm").doubleValue(), got.get("train/grad_norm").floatValue(), at + " grad_norm");
        }
        MetricsEntry last = lines.get(lines.size() - 1);
        JsonNode tested = scalars.get(last.step());
        assertEquals((float) last.extra().get(TinyRun.TARGET + "_acc").doubleValue(),
                tested.get("val/" + TinyRun.TARGET + "/acc").floatValue(), "the test's accuracy at the last step");
        double val = tested.get("val/" + TinyRun.TARGET + "/val_at_far").doubleValue();
        assertTrue(val >= 0 && val <= 1, "VAL@FAR is a rate: " + val);

        JsonNode roc = events.stream().filter(e -> e.path("images").has("val/" + TinyRun.TARGET + "/roc")).findFirst().orElseThrow()
                .get("images").get("val/" + TinyRun.TARGET + "/roc");
        assertTrue(roc.get("png").asBoolean(), "the ROC is a PNG");
        assertEquals(640, roc.get("width").asInt());
        assertEquals(480, roc.get("height").asInt());
    }

    @Test
    void aFileWithOneFlippedByteIsRejectedNamingTheDamagedRecord() throws Exception {
        Path file = EventFileReader.files(run.resolve("tb")).get(0);
        byte[] bytes = Files.readAllBytes(file);
        int flipped = bytes.length / 2;
        bytes[flipped] ^= 0x01;
        Path damaged = shared.resolve("damaged").resolve(file.getFileName());
        Files.createDirectories(damaged.getParent());
        Files.write(damaged, bytes);

        long[] record = recordHolding(bytes, flipped);
        EventFileReader.Reading reading = EventFileReader.read(List.of(damaged));
        assertEquals(1, reading.exitCode(), "a damaged file is an error");
        assertTrue(reading.errors().contains(damaged + ": record " + record[0] + " at byte " + record[1]), reading.errors());
        assertTrue(reading.errors().contains("checksum mismatch"), reading.errors());
        assertEquals(record[0], reading.events().size(), "the records before the damaged one are read");
    }

    @Test
    void aResumedRunWritesASecondFileWhoseStepsFollowTheFirstOnes() throws Exception {
        Path resumed = shared.resolve("resumed");
        TinyRun.train(TinyRun.config(shared.resolve("data"), resumed, "train_steps=3", "save_steps=3", "val_targets=[]"), false);
        TinyRun.train(TinyRun.config(shared.resolve("data"), resumed, "save_steps=3", "val_targets=[]"), true);

        List<Path> files = EventFileReader.files(resumed.resolve("tb"));
        assertEquals(2, files.size(), "the resumed run writes a file of its own: " + files);
        List<Long> first = scalarSteps(files.get(0));
        List<Long> second = scalarSteps(files.get(1));
        assertEquals(List.of(1L, 2L, 3L), first);
        assertEquals(List.of(4L, 5L, 6L), second, "the resumed run starts after the first one's last step, no step twice");
        assertEquals(MetricsLog.read(resumed).stream().map(MetricsEntry::step).toList(), List.of(1L, 2L, 3L, 4L, 5L, 6L));
        JsonNode start = EventFileReader.read(List.of(files.get(1))).events().get(1);
        assertEquals("START", start.path("session_log").asText());
        assertEquals(4, start.get("step").asLong(), "TensorBoard drops older events from the resumed step on");
    }

    /** The scalars of each summary event with any, by step; fails on a step written twice. */
    private static Map<Long, JsonNode> scalarsByStep(List<JsonNode> events) {
        Map<Long, JsonNode> byStep = new java.util.TreeMap<>();
        for (JsonNode e : events) {
            if (e.has("scalars") && !e.get("scalars").isEmpty()) {
                JsonNode before = byStep.put(e.get("step").asLong(), e.get("scalars"));
                assertEquals(null, before, "step " + e.get("step") + " has one scalar event");
            }
        }
        return byStep;
    }

    private static List<Long> scalarSteps(Path file) throws Exception {
        EventFileReader.Reading reading = EventFileReader.read(List.of(file));
        assertEquals(0, reading.exitCode(), reading.errors());
        return new ArrayList<>(scalarsByStep(reading.events()).keySet());
    }

    /** The index and start of the record holding byte {@code at}, walking the framing's length fields. */
    private static long[] recordHolding(byte[] bytes, int at) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long index = 0;
        int offset = 0;
        while (true) {
            int end = offset + 12 + (int) b.getLong(offset) + 4;
            if (at < end) {
                return new long[] {index, offset};
            }
            offset = end;
            index++;
        }
    }
}
