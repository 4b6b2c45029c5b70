package org.plscj.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.plscj.io.Sha256;
import org.plscj.tensor.Native;
import org.plscj.tensor.Tensors;

/** Java write → Java read, the atomic write, tensor ownership, and the errors for broken files. */
class TorchFileTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void load() {
        Native.load();
    }

    @Test
    void roundTripIsBitExactForEveryDtypeAndKeepsPlainValues() throws IOException {
        try (PointerScope scope = new PointerScope()) {
            Map<String, Object> entries = sample();
            entries.put("nested", new LinkedHashMap<>(Map.of("w", torch.randn(2, 2))));
            Path file = dir.resolve("a.pth");
            TorchFile.write(file, entries);
            Map<String, Object> read = TorchFile.read(file);

            assertEquals(new ArrayList<>(entries.keySet()), new ArrayList<>(read.keySet()));
            for (Map.Entry<String, Object> e : entries.entrySet()) {
                if (e.getValue() instanceof Tensor) {
                    assertSameBits((Tensor) e.getValue(), (Tensor) read.get(e.getKey()), e.getKey());
                } else if (!e.getKey().equals("nested")) {
                    assertEquals(e.getValue(), read.get(e.getKey()), e.getKey());
                }
            }
            Tensor nested = (Tensor) ((Map<?, ?>) read.get("nested")).get("w");
            assertSameBits((Tensor) ((Map<?, ?>) entries.get("nested")).get("w"), nested, "nested.w");
        }
    }

    @Test
    void atomicWriteReplacesTheFileAndLeavesNoTemporary() throws IOException {
        Path file = dir.resolve("ckpt.pth");
        TorchFile.write(file, new LinkedHashMap<>(Map.of("step", 1L)));
        TorchFile.write(file, new LinkedHashMap<>(Map.of("step", 2L)));
        assertEquals(2L, TorchFile.read(file).get("step"));

        Map<String, Object> unsupported = new LinkedHashMap<>();
        unsupported.put("step", 3L);
        unsupported.put("complex", torch.randn(2).to(ScalarType.ComplexFloat));
        assertThrows(IllegalArgumentException.class, () -> TorchFile.write(file, unsupported));
        assertEquals(2L, TorchFile.read(file).get("step"), "a failed write keeps the old file");
        try (var listing = Files.list(dir)) {
            assertEquals(List.of(file), listing.toList(), "no .tmp left behind");
        }
    }

    @Test
    void tensorsOutliveTheCallersPointerScope() throws IOException {
        Path file = dir.resolve("w.pth");
        Tensor written = torch.randn(1000, 700); // why: several 1 MiB copy chunks
        TorchFile.write(file, new LinkedHashMap<>(Map.of("w", written)));
        Tensor read;
        try (PointerScope scope = new PointerScope()) {
            read = (Tensor) TorchFile.read(file).get("w");
        }
        torch.randn(1000, 700).add_(torch.ones(1000, 700)); // why: reuse memory a wrongly freed tensor would have held
        assertFalse(read.isNull());
        assertSameBits(written, read, "w");
    }

    @Test
    void notAZipNamesTheFile() throws IOException {
        Path file = dir.resolve("junk.pth");
        Files.writeString(file, "not a zip");
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> TorchFile.read(file));
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
    }

    @Test
    void missingDataPickleNamesFileAndRecord() throws IOException {
        Path broken = rewrite(valid(), (name, bytes) -> name.endsWith("/data.pkl") ? null : bytes);
        assertFailure(broken, "data.pkl");
    }

    @Test
    void missingStorageRecordNamesFileAndRecord() throws IOException {
        Path broken = rewrite(valid(), (name, bytes) -> name.endsWith("/data/1") ? null : bytes);
        assertFailure(broken, "archive/data/1");
    }

    @Test
    void shortStorageRecordNamesFileAndRecord() throws IOException {
        Path broken = rewrite(valid(), (name, bytes) -> name.endsWith("/data/0") ? new byte[bytes.length - 4] : bytes);
        CheckpointFormatException e = assertFailure(broken, "archive/data/0");
        assertTrue(e.getMessage().contains("holds 44 bytes, but the pickle declares 12 elements of torch.FloatStorage, which need 48 bytes"), e.getMessage());
    }

    @Test
    void unknownStorageTypeNamesFileAndStorage() throws IOException {
        Path broken = rewrite(valid(), (name, bytes) -> name.endsWith("/data.pkl")
                ? replace(bytes, "torch\nDoubleStorage\n", "torch\nComplexDoubleStorage\n") : bytes);
        CheckpointFormatException e = assertFailure(broken, "archive/data.pkl");
        assertTrue(e.getMessage().contains("unknown storage type torch.ComplexDoubleStorage"), e.getMessage());
    }

    @Test
    void verifiedReadGivesThePlainReadsValuesInOnePassOverTheFile() throws IOException {
        Path file = dir.resolve("big.pth");
        try (PointerScope scope = new PointerScope()) {
            Map<String, Object> entries = sample();
            entries.put("rows", torch.randn(4096, 1024)); // why 16 MiB: the read dwarfs what the JVM reads meanwhile
            TorchFile.write(file, entries);
            String sum = Sha256.of(file);
            TorchFile.readVerified(file, sum); // why: load the classes this path uses, so their jars' reads are not counted

            long before = readChars();
            Map<String, Object> verified = TorchFile.readVerified(file, sum);
            long read = readChars() - before;
            // why 1.25×: one pass reads the file once plus buffers' slack; verify-then-load read it twice (≥ 2×)
            assertTrue(read < 1.25 * Files.size(file), "read " + read + " bytes of a " + Files.size(file) + "-byte file");
            Map<String, Object> plain = TorchFile.read(file);
            assertEquals(new ArrayList<>(plain.keySet()), new ArrayList<>(verified.keySet()));
            for (Map.Entry<String, Object> e : plain.entrySet()) {
                if (e.getValue() instanceof Tensor t) {
                    assertSameBits(t, (Tensor) verified.get(e.getKey()), e.getKey());
                } else {
                    assertEquals(e.getValue(), verified.get(e.getKey()), e.getKey());
                }
            }
        }
    }

    @Test
    void verifiedReadRefusesAFileWhoseBytesAreNotTheManifestsNamingIt() throws IOException {
        Path file = valid();
        String sum = Sha256.of(file);
        byte[] good = Files.readAllBytes(file);
        int[] flips = {good.length / 2, good.length - 3}; // a storage record's bytes; the central directory at the end
        for (int at : flips) {
            byte[] bad = good.clone();
            bad[at] ^= 1;
            Files.write(file, bad);
            CheckpointException e = assertThrows(CheckpointException.class, () -> TorchFile.readVerified(file, sum), "byte " + at);
            assertTrue(e.getMessage().startsWith(file + " is damaged"), e.getMessage());
        }
        Files.write(file, good);
        CheckpointException wrongSum = assertThrows(CheckpointException.class, () -> TorchFile.readVerified(file, "0".repeat(64)));
        assertTrue(wrongSum.getMessage().contains("the manifest says " + "0".repeat(64)), wrongSum.getMessage());
    }

    @Test
    void verifiedReadOfAnArchiveWhosePickleIsNotFirstChecksThenReads() throws IOException {
        Path reordered = dir.resolve("reordered.pth");
        try (ZipFile in = new ZipFile(valid().toFile()); ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(reordered))) {
            List<ZipEntry> entries = new ArrayList<>(Collections.list(in.entries()));
            Collections.reverse(entries);
            for (ZipEntry entry : entries) {
                zip.putNextEntry(new ZipEntry(entry.getName()));
                zip.write(in.getInputStream(entry).readAllBytes());
                zip.closeEntry();
            }
        }
        Map<String, Object> verified = TorchFile.readVerified(reordered, Sha256.of(reordered));
        assertSameBits((Tensor) TorchFile.read(reordered).get("f32"), (Tensor) verified.get("f32"), "f32");
        assertThrows(CheckpointException.class, () -> TorchFile.readVerified(reordered, "0".repeat(64)));
    }

    /** Bytes this process has read through read(2) and friends, page cache or not (Linux's /proc/self/io rchar). */
    private static long readChars() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/io"))) {
            if (line.startsWith("rchar:")) {
                return Long.parseLong(line.substring(6).trim());
            }
        }
        throw new IllegalStateException("/proc/self/io has no rchar line");
    }

    private static Map<String, Object> sample() {
        torch.manual_seed(11);
        Map<String, Object> entries = new LinkedHashMap<>();
        entries.put("f32", torch.randn(3, 4));
        entries.put("f64", torch.randn(5).to(ScalarType.Double));
        entries.put("i64", Tensor.create(new long[] {Long.MIN_VALUE, -1, Long.MAX_VALUE}));
        entries.put("i32", Tensor.create(new int[] {Integer.MIN_VALUE, 7}));
        entries.put("bf16", torch.randn(4).to(ScalarType.BFloat16));
        entries.put("f16", torch.randn(4).to(ScalarType.Half));
        entries.put("u8", Tensor.create(new byte[] {0, 1, (byte) 255}));
        entries.put("bool", torch.randn(6).gt(new org.bytedeco.pytorch.Scalar(0.0)));
        entries.put("scalar", torch.randn(3).sum());
        entries.put("empty", torch.empty(0, 4));
        entries.put("transposed", torch.randn(3, 5).t());
        entries.put("epoch", 12L);
        entries.put("lr", 0.025);
        entries.put("arch", "r100");
        entries.put("fp16", Boolean.TRUE);
        entries.put("milestones", List.of(8L, 16L));
        return entries;
    }

    private Path valid() throws IOException {
        Path file = dir.resolve("valid.pth");
        TorchFile.write(file, sample());
        return file;
    }

    private CheckpointFormatException assertFailure(Path file, String record) {
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> TorchFile.read(file));
        assertTrue(e.getMessage().startsWith(file + ": record " + record), e.getMessage());
        return e;
    }

    /** A copy of {@code file} whose records pass through {@code edit} (null drops one). */
    private Path rewrite(Path file, BiFunction<String, byte[], byte[]> edit) throws IOException {
        Path out = dir.resolve("broken.pth");
        try (ZipFile in = new ZipFile(file.toFile()); OutputStream os = Files.newOutputStream(out);
                ZipOutputStream zip = new ZipOutputStream(os)) {
            for (ZipEntry entry : Collections.list(in.entries())) {
                byte[] bytes = edit.apply(entry.getName(), in.getInputStream(entry).readAllBytes());
                if (bytes != null) {
                    zip.putNextEntry(new ZipEntry(entry.getName()));
                    zip.write(bytes);
                    zip.closeEntry();
                }
            }
        }
        return out;
    }

    private static byte[] replace(byte[] bytes, String from, String to) {
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        assertTrue(text.contains(from));
        return text.replace(from, to).getBytes(StandardCharsets.ISO_8859_1);
    }

    private static void assertSameBits(Tensor expected, Tensor actual, String key) {
        assertEquals(expected.scalar_type().intern(), actual.scalar_type().intern(), key + " dtype");
        assertArrayEquals(Tensors.shape(expected), Tensors.shape(actual), key + " shape");
        assertArrayEquals(bytes(expected), bytes(actual), key + " bytes");
    }

    private static byte[] bytes(Tensor t) {
        Tensor c = t.contiguous();
        byte[] out = new byte[(int) c.nbytes()];
        if (out.length > 0) {
            new BytePointer(c.data_ptr()).capacity(out.length).get(out);
        }
        return out;
    }
}
