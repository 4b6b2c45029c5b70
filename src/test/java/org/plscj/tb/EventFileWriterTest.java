package org.plscj.tb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.plscj.testing.EventFileReader;

/** Event files as TensorBoard reads them (through the independent Python reader). */
class EventFileWriterTest {
    @Test
    void scalarsAndAnImageReadBackAfterTheFileVersion(@TempDir Path dir) throws Exception {
        EventFileReader.assumeAvailable();
        Map<String, Double> scalars = new LinkedHashMap<>();
        scalars.put("train/loss", 12.25);
        scalars.put("train/lr", 0.1);
        byte[] png = png(new BufferedImage(7, 5, BufferedImage.TYPE_INT_ARGB));
        Path file;
        try (EventFileWriter events = EventFileWriter.create(dir)) {
            file = events.file();
            events.scalars(42, scalars);
            events.image("val/x/roc", 42, png);
        }
        assertTrue(file.getFileName().toString().startsWith(EventFileWriter.PREFIX), file.toString());

        EventFileReader.Reading reading = EventFileReader.read(List.of(file));
        assertEquals(0, reading.exitCode(), reading.errors());
        List<JsonNode> events = reading.events();
        assertEquals(3, events.size());
        assertEquals(EventFileWriter.FILE_VERSION, events.get(0).get("file_version").asText());
        assertEquals(42, events.get(1).get("step").asLong());
        assertEquals(12.25f, events.get(1).get("scalars").get("train/loss").floatValue());
        assertEquals(0.1f, events.get(1).get("scalars").get("train/lr").floatValue(), "TensorBoard stores float32");
        JsonNode image = events.get(2).get("images").get("val/x/roc");
        assertEquals(7, image.get("width").asInt());
        assertEquals(5, image.get("height").asInt());
        assertEquals(4, image.get("colorspace").asInt(), "an RGBA PNG is colour space 4 (summary.proto)");
        assertEquals(png.length, image.get("bytes").asInt());
    }

    @Test
    void twoWritersInTheSameSecondWriteTwoFiles(@TempDir Path dir) throws Exception {
        try (EventFileWriter a = EventFileWriter.create(dir); EventFileWriter b = EventFileWriter.create(dir)) {
            assertNotEquals(a.file(), b.file());
        }
    }

    @Test
    void bytesThatAreNoPngAreRefusedNamingTheTag(@TempDir Path dir) throws Exception {
        try (EventFileWriter events = EventFileWriter.create(dir)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> events.image("val/x/roc", 3, new byte[40]));
            assertTrue(e.getMessage().contains("'val/x/roc' at step 3"), e.getMessage());
        }
    }

    private static byte[] png(BufferedImage image) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }
}
