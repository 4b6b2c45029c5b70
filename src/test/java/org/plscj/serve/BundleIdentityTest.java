package org.plscj.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.plscj.checkpoint.Checkpoint;
import org.plscj.export.BundleMeta;
import org.plscj.export.BundleWriter;
import org.plscj.export.CentresPrecision;
import org.plscj.labels.LabelMap;
import org.plscj.tensor.Native;

/** A bundle names its weights (fingerprint), says where they came from (provenance) and carries its classes' names. */
class BundleIdentityTest {
    private static final int CLASSES = 20;
    private static final LabelMap NAMES = LabelMap.numbered(IntStream.range(0, CLASSES).mapToObj(i -> "person-" + (char) ('a' + i)).toList(), "t");

    @TempDir
    Path root;

    @BeforeAll
    static void load() {
        Native.load();
    }

    /** Computed here with the JDK directly, independently of the code under test. */
    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    @Test
    void modelJsonNamesTheWeightsBySha256AndTheCheckpointTheyCameFrom() throws Exception {
        Path ckpt = TestBundles.checkpoint(root.resolve("run"), CLASSES, NAMES);
        Path out = root.resolve("bundle");
        BundleWriter.fromCheckpoint(ckpt, out, CentresPrecision.FP32, null);
        JsonNode json = new ObjectMapper().readTree(out.resolve(BundleMeta.FILE).toFile());
        String expected = sha256(Files.readAllBytes(out.resolve(BundleMeta.BACKBONE)));
        assertEquals(expected, json.get("fingerprint").asText());
        JsonNode provenance = json.get("provenance");
        assertEquals(ckpt.toAbsolutePath().normalize().toString(), provenance.get("checkpoint").asText());
        assertEquals(5, provenance.get("checkpoint_step").asLong());
        assertEquals("test-run", provenance.get("run_id").asText());
        String config = Checkpoint.open(ckpt).meta().config();
        assertEquals(sha256(config.getBytes(StandardCharsets.UTF_8)), provenance.get("config_sha256").asText());
        ModelBundle bundle = ModelBundle.open(out);
        assertEquals(expected, bundle.fingerprint());
        assertEquals(NAMES.entries(), bundle.labels().entries(), "the centres' names go into the bundle");
    }

    @Test
    void aBundleExportedWithoutCentresCarriesNoNames() throws Exception {
        Path out = root.resolve("bundle");
        BundleWriter.fromCheckpoint(TestBundles.checkpoint(root.resolve("run"), CLASSES, NAMES), out, CentresPrecision.NONE, null);
        assertNull(ModelBundle.open(out).labels());
        assertTrue(Files.notExists(out.resolve(LabelMap.FILE)));
    }

    @Test
    void replacedWeightsAreRefusedNamingBothDigests() throws Exception {
        // why seeded: TestBundles' calibration reseeds the generator, so unseeded bundles made one after another are equal
        org.bytedeco.pytorch.global.torch.manual_seed(1);
        Path a = TestBundles.bundle(root.resolve("a"), CLASSES, CentresPrecision.FP32);
        org.bytedeco.pytorch.global.torch.manual_seed(2);
        Path b = TestBundles.bundle(root.resolve("b"), CLASSES, CentresPrecision.FP32);
        String recorded = sha256(Files.readAllBytes(a.resolve(BundleMeta.BACKBONE)));
        byte[] other = Files.readAllBytes(b.resolve(BundleMeta.BACKBONE));
        Files.write(a.resolve(BundleMeta.BACKBONE), other);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelBundle.open(a));
        assertTrue(e.getMessage().contains(sha256(other)) && e.getMessage().contains(recorded)
                && e.getMessage().contains("replaced or damaged"), e.getMessage());
    }

    @Test
    void namesThatDoNotFitTheCentresAreRefusedNamingTheFile() throws Exception {
        Path out = root.resolve("bundle");
        BundleWriter.fromCheckpoint(TestBundles.checkpoint(root.resolve("run"), CLASSES, NAMES), out, CentresPrecision.FP32, null);
        NAMES.extendedWith(List.of("one-too-many"), false).write(out.resolve(LabelMap.FILE));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelBundle.open(out));
        assertTrue(e.getMessage().contains(out.resolve(LabelMap.FILE).toString()) && e.getMessage().contains("one-too-many"), e.getMessage());
    }
}
