package org.plscj.testing;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * TensorBoard event files as TensorBoard reads them, through the Python reader of src/test/resources/fixtures/tb
 * (framing and masked CRC32C in plain Python, Events decoded by Debian's python3-protobuf from the descriptor set protoc
 * wrote at build time from the same .proto files): an independent check of what the Java writer wrote.
 */
public final class EventFileReader {
    private static final Path PYTHON = Paths.get("/usr/bin/python3");
    private static final Path DESCRIPTORS = Paths.get("target/generated-resources/protobuf/descriptor-sets/protos.desc");
    // why non-numeric numbers: a NaN loss is written as NaN, and the reader prints it as JSON's NaN extension
    private static final JsonMapper JSON = JsonMapper.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();

    /** What the reader said: every event as JSON (up to a damaged record), its exit code and its error message. */
    public record Reading(List<JsonNode> events, int exitCode, String errors) {}

    private EventFileReader() {}

    /** Skips the calling test unless /usr/bin/python3 has google.protobuf (.ci/run installs python3-protobuf). */
    public static void assumeAvailable() throws IOException, InterruptedException {
        Assumptions.assumeTrue(Files.isExecutable(PYTHON), "no /usr/bin/python3");
        Process p = new ProcessBuilder(PYTHON.toString(), "-c", "import google.protobuf").redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        Assumptions.assumeTrue(p.waitFor() == 0, "/usr/bin/python3 has no google.protobuf (apt-get install python3-protobuf)");
        Assumptions.assumeTrue(Files.isRegularFile(DESCRIPTORS), "no " + DESCRIPTORS + " (written by mvn generate-sources)");
    }

    /** Reads {@code files} in this order. */
    public static Reading read(List<Path> files) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(PYTHON.toString(), script().toString(), DESCRIPTORS.toString()));
        files.forEach(f -> command.add(f.toString()));
        Process p = new ProcessBuilder(command).start();
        // why stdout first: stderr carries one line at most, so it cannot fill its pipe while stdout is read
        String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        byte[] stderr = p.getErrorStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("tb_read.py did not end within 60 s");
        }
        List<JsonNode> events = new ArrayList<>();
        for (String line : stdout.split("\n")) {
            if (!line.isBlank()) {
                events.add(JSON.readTree(line));
            }
        }
        return new Reading(events, p.exitValue(), new String(stderr, StandardCharsets.UTF_8));
    }

    /** Every event file in {@code dir}, by name (TensorBoard's order: the timestamp in the name). */
    public static List<Path> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(f -> f.getFileName().toString().contains("tfevents")).sorted().toList();
        }
    }

    private static Path script() {
        try {
            return Paths.get(EventFileReader.class.getResource("/fixtures/tb/tb_read.py").toURI());
        } catch (Exception e) {
            throw new AssertionError("fixtures/tb/tb_read.py is not on the test classpath", e);
        }
    }
}
