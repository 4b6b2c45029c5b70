package org.plscj.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VerificationBinWriterTest {
    private static final Path PYTHON = Path.of("/usr/bin/python3");

    @TempDir
    Path dir;

    // sizes around the SHORT_BINBYTES / BINBYTES boundary (255 / 256), an empty one and bytes >= 0x80
    private static VerificationSet smallSet() {
        List<byte[]> images = new ArrayList<>();
        for (int length : new int[] {0, 1, 255, 256, 70_000, 3}) {
            byte[] b = new byte[length];
            for (int i = 0; i < length; i++) {
                b[i] = (byte) (i * 31 + length);
            }
            images.add(b);
        }
        return new VerificationSet(images, new boolean[] {true, false, true});
    }

    @Test
    void roundTripsThroughTheReaderByteForByte() throws IOException {
        VerificationSet written = smallSet();
        Path file = dir.resolve("small.bin");
        VerificationBinWriter.write(file, written);
        VerificationSet read = VerificationSet.read(file);
        assertEquals(written.images().size(), read.images().size());
        for (int i = 0; i < written.images().size(); i++) {
            assertArrayEquals(written.images().get(i), read.images().get(i), "image " + i);
        }
        assertArrayEquals(written.issame(), read.issame());
    }

    @Test
    void pythonLoadsAProtocol3PickleOfBytesAndBoolsWithTheRightCountsAndContent() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(PYTHON), "no " + PYTHON);
        VerificationSet written = smallSet();
        Path file = dir.resolve("py.bin");
        VerificationBinWriter.write(file, written);
        String script = String.join("\n",
                "import pickle, sys, hashlib",
                "assert open(sys.argv[1], 'rb').read(2) == b'\\x80\\x03', 'not a protocol-3 pickle'",
                "b, s = pickle.load(open(sys.argv[1], 'rb'), encoding='bytes')",
                "assert type(b) is list and type(s) is list, (type(b), type(s))",
                "assert all(type(x) is bytes for x in b), set(type(x) for x in b)",
                "assert all(type(x) is bool for x in s), set(type(x) for x in s)",
                "assert len(b) == 2 * len(s), (len(b), len(s))",
                "print(len(b), len(s), ' '.join(hashlib.sha256(x).hexdigest() for x in b), s)");
        Process p = new ProcessBuilder(PYTHON.toString(), "-c", script, file.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        StringBuilder expected = new StringBuilder("6 3");
        for (byte[] image : written.images()) {
            expected.append(" ").append(sha256(image));
        }
        expected.append(" [True, False, True]");
        assertEquals(expected.toString(), out);
    }

    private static String sha256(byte[] b) throws Exception {
        byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(b);
        StringBuilder s = new StringBuilder();
        for (byte x : d) {
            s.append(String.format("%02x", x & 0xff));
        }
        return s.toString();
    }
}
