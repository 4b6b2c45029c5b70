package org.plscj.checkpoint;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.plscj.comm.Communicator;
import org.plscj.eval.VerificationSet;
import org.plscj.head.HeadConfig;
import org.plscj.head.LossType;
import org.plscj.head.PartialFC;
import org.plscj.tensor.Native;
import org.plscj.testing.TinyBackbone;

/**
 * Files nobody vouches for (a manifest, a torch.save archive, an insightface .bin) are refused with the file
 * named before anything outside the checkpoint is touched and before a declared size is allocated.
 */
class HostileFilesTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void load() {
        Native.load();
    }

    private Path checkpoint() throws Exception {
        try (Communicator comm = Communicator.single(); PartialFC head = new PartialFC(HeadConfig.of(10, 8, LossType.ARCFACE), comm);
                PointerScope scope = new PointerScope()) {
            return new CheckpointStore(dir, 1).save(new Snapshot(2, 0, 0.1, "", "run", new TinyBackbone(8), Map.of(), head), comm);
        }
    }

    @Test
    void aManifestNamingAFileOutsideTheCheckpointIsRefused() throws Exception {
        for (String name : new String[] {"../outside.pt", "/etc/passwd", "..", "sub/dir.pt"}) {
            Path ckpt = checkpoint();
            Path meta = ckpt.resolve(CheckpointMeta.FILE);
            String text = Files.readString(meta).replace("\"sha256\" : {", "\"sha256\" : {\n    \"" + name + "\" : \"00\",");
            Files.writeString(meta, text);
            CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.open(ckpt));
            assertTrue(e.getMessage().contains(meta.toString()) && e.getMessage().contains("'" + name + "', which is not a plain file name"),
                    e.getMessage());
        }
    }

    /** A torch.save archive whose data.pkl is {@code pickle} and whose storage record "0" holds {@code storageBytes}. */
    private Path archive(byte[] pickle, int storageBytes) throws Exception {
        Path file = dir.resolve("hostile.pt");
        try (OutputStream raw = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(raw)) {
            zip.putNextEntry(new ZipEntry("archive/data.pkl"));
            zip.write(pickle);
            zip.putNextEntry(new ZipEntry("archive/data/0"));
            zip.write(new byte[storageBytes]);
            zip.putNextEntry(new ZipEntry("archive/version"));
            zip.write("3\n".getBytes(StandardCharsets.US_ASCII));
        }
        return file;
    }

    /** {'w': _rebuild_tensor_v2(persistent ('storage', FloatStorage, '0', 'cpu', numel), 0, (size,), (1,), False, {})}. */
    private static byte[] tensorPickle(int numel, int size) {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.writeBytes(new byte[] {(byte) 0x80, 2, '}', '('});
        unicode(p, "w");
        p.writeBytes("ctorch._utils\n_rebuild_tensor_v2\n((".getBytes(StandardCharsets.US_ASCII));
        unicode(p, "storage");
        p.writeBytes("ctorch\nFloatStorage\n".getBytes(StandardCharsets.US_ASCII));
        unicode(p, "0");
        unicode(p, "cpu");
        p.write('J');
        p.writeBytes(new byte[] {(byte) numel, (byte) (numel >>> 8), (byte) (numel >>> 16), (byte) (numel >>> 24)});
        p.writeBytes(new byte[] {'t', 'Q', 'K', 0, '(', 'J'});
        p.writeBytes(new byte[] {(byte) size, (byte) (size >>> 8), (byte) (size >>> 16), (byte) (size >>> 24)});
        p.writeBytes(new byte[] {'t', '(', 'K', 1, 't', (byte) 0x89, '}', 't', 'R', 'u', '.'});
        return p.toByteArray();
    }

    private static void unicode(ByteArrayOutputStream p, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        p.write('X');
        p.writeBytes(new byte[] {(byte) b.length, 0, 0, 0});
        p.writeBytes(b);
    }

    @Test
    void anHonestHandWrittenArchiveLoads() throws Exception {
        Map<String, Object> read = TorchFile.read(archive(tensorPickle(2, 2), 8));
        assertTrue(read.containsKey("w"));
    }

    @Test
    void aStorageDeclaringMoreElementsThanItsRecordHoldsIsRefusedBeforeAllocating() throws Exception {
        Path file = archive(tensorPickle(Integer.MAX_VALUE, 1), 4);
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> TorchFile.read(file));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("declares 2147483647 elements"), e.getMessage());
    }

    @Test
    void aTensorReachingBeyondItsStorageIsRefused() throws Exception {
        Path file = archive(tensorPickle(1, 1000), 4);
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> TorchFile.read(file));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("reaches element 999 of a storage of 1"),
                e.getMessage());
    }

    @Test
    void aPickleDeclaringAHugeStringIsRefusedNamingTheFile() throws Exception {
        byte[] pickle = {(byte) 0x80, 2, 'X', (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f, 'a', '.'};
        Path file = archive(pickle, 0);
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> TorchFile.read(file));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("declares 2147483647 bytes"), e.getMessage());

        Path bin = dir.resolve("lfw.bin");
        Files.write(bin, pickle);
        IllegalArgumentException b = assertThrows(IllegalArgumentException.class, () -> VerificationSet.read(bin));
        assertTrue(b.getMessage().contains(bin.toString()) && b.getMessage().contains("declares 2147483647 bytes"), b.getMessage());
    }

    @Test
    void deeplyNestedValuesAreRefusedNotAStackOverflow() throws Exception {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.writeBytes(new byte[] {(byte) 0x80, 2, '}'});
        unicode(p, "deep");
        for (int i = 0; i < 100_000; i++) {
            p.write(']'); // EMPTY_LIST
        }
        for (int i = 0; i < 100_000 - 1; i++) {
            p.write('a'); // APPEND: each list into the one below it
        }
        p.writeBytes(new byte[] {'s', '.'});
        Path file = archive(p.toByteArray(), 0);
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> TorchFile.read(file));
        assertTrue(e.getMessage().contains("nested deeper than"), e.getMessage());
        assertFalse(e.getMessage().isEmpty());
    }
}
