package org.plscj.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsLogTest {
    @TempDir
    Path dir;

    private static MetricsEntry entry(long step, Double acc) {
        return new MetricsEntry(step, (int) (step / 100), 10.0 / step, acc, 0.1 * step / 1000, 1234.5, 99.0);
    }

    private void logSteps(long resumeStep, long... steps) throws IOException {
        try (MetricsLog log = MetricsLog.open(dir, resumeStep)) {
            for (long s : steps) {
                log.append(entry(s, null));
            }
        }
    }

    private List<Long> loggedSteps() throws IOException {
        return MetricsLog.read(dir).stream().map(MetricsEntry::step).toList();
    }

    @Test
    void eachLineIsOneJsonEntryWrittenAtOnce() throws IOException {
        try (MetricsLog log = MetricsLog.open(dir, 0)) {
            log.append(new MetricsEntry(200, 1, 12.5, 0.25, 0.0125, 1000.0, 3600.0, Map.of("lfw_acc", 0.99)));
            List<String> lines = Files.readAllLines(log.file());
            assertEquals(1, lines.size(), "flushed without close");
            assertEquals("{\"step\":200,\"epoch\":1,\"loss\":12.5,\"acc\":0.25,\"lr\":0.0125,\"images_per_s\":1000.0,"
                    + "\"eta_s\":3600.0,\"lfw_acc\":0.99}", lines.get(0));
            log.append(entry(400, null));
        }
        List<MetricsEntry> back = MetricsLog.read(dir);
        assertEquals(0.99, back.get(0).extra().get("lfw_acc"));
        assertNull(back.get(1).acc());
        assertEquals(entry(400, null), back.get(1));
    }

    @Test
    void nonFiniteLossSurvivesTheRoundTrip() throws IOException {
        try (MetricsLog log = MetricsLog.open(dir, 0)) {
            log.append(new MetricsEntry(1, 0, Double.NaN, null, 0.1, 1, 1));
        }
        assertTrue(Double.isNaN(MetricsLog.read(dir).get(0).loss()));
    }

    @Test
    void resumeKeepsLinesUpToTheCheckpointAndDropsLater() throws IOException {
        logSteps(0, 100, 200, 300, 400);
        Files.writeString(dir.resolve(MetricsLog.FILE_NAME), "{\"step\":77,\"lo", StandardOpenOption.APPEND);
        logSteps(200, 300, 400, 500);
        assertEquals(List.of(100L, 200L, 300L, 400L, 500L), loggedSteps());
        assertFalse(Files.readString(dir.resolve(MetricsLog.FILE_NAME)).contains("{\"step\":77"), "half line dropped");
        logSteps(0, 100);
        assertEquals(List.of(100L), loggedSteps(), "a fresh run starts a fresh log");
    }

    @Test
    void extraMayNotShadowAField() {
        assertThrows(IllegalArgumentException.class, () -> new MetricsEntry(1, 0, 1, null, 1, 1, 1, Map.of("lr", 1.0)));
    }

    @Test
    void curvesAreValidPngs() throws IOException {
        try (MetricsLog log = MetricsLog.open(dir, 0)) {
            for (long s = 100; s <= 1000; s += 100) {
                log.append(entry(s, s * 1e-4));
            }
            log.writeCurves();
        }
        for (String name : List.of("loss.png", "accuracy.png", "lr.png")) {
            Path png = dir.resolve(name);
            assertTrue(Files.size(png) > 2000, name + " is " + Files.size(png) + " bytes");
            BufferedImage image = ImageIO.read(png.toFile());
            assertNotNull(image, name + " is not a readable PNG");
            assertEquals(800, image.getWidth());
        }
        try (var leftovers = Files.list(dir)) {
            assertFalse(leftovers.anyMatch(p -> p.toString().endsWith(".tmp")), "no temporary file left");
        }
    }

    @Test
    void noAccuracyNoAccuracyCurve() throws IOException {
        logSteps(0, 100, 200);
        try (MetricsLog log = MetricsLog.open(dir, 200)) {
            log.writeCurves();
        }
        assertTrue(Files.exists(dir.resolve("loss.png")));
        assertTrue(Files.exists(dir.resolve("lr.png")));
        assertFalse(Files.exists(dir.resolve("accuracy.png")));
    }
}
