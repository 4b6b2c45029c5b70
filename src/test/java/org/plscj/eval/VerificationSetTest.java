package org.plscj.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Files from make_bin_fixture.py. */
class VerificationSetTest {
    // the images make_bin_fixture.py pickles, with bytes >= 0x80 that a text decoding would mangle
    private static final byte[][] IMAGES = {
        concat(bytes(0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'), range(0x80, 0x90)),
        bytes(0xff, 0xd8, 0xff, 0xe0, 'J', 'F', 'I', 'F', 0x00, 0xfe, 0x00, 0x7f, 0x80),
        concat(concat(bytes(0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'), range(0, 256)), bytes('l', 'o', 'n', 'g')),
        bytes(0x80),
        bytes(0xff, 0xd8, 0xff, 0xdb, 0xc3, 0xa9),
        bytes(0x00, 0x01, 0x02, 0xff),
    };

    private static Path fixture(String name) throws Exception {
        return Paths.get(VerificationSetTest.class.getResource("/fixtures/eval/" + name).toURI());
    }

    @ParameterizedTest
    @ValueSource(strings = {"py2.bin", "py3_p2.bin", "py3_p4.bin"})
    void readsImagesByteForByteWhicheverPythonWroteTheFile(String name) throws Exception {
        VerificationSet set = VerificationSet.read(fixture(name));
        assertEquals(IMAGES.length, set.images().size());
        for (int i = 0; i < IMAGES.length; i++) {
            assertArrayEquals(IMAGES[i], set.images().get(i), "image " + i);
        }
        assertArrayEquals(new boolean[] {true, false, true}, set.issame());
        assertEquals(3, set.pairs());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "truncated.bin|not a readable pickle",
        "odd.bin|odd image count 5",
        "notbytes.bin|bins[3] is Integer, not bytes",
        "make_bin_fixture.py|not a readable pickle",
    })
    void rejectsABrokenFileNamingTheFileAndTheProblem(String name, String problem) throws Exception {
        Path file = fixture(name);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> VerificationSet.read(file));
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains(problem), e.getMessage());
    }

    private static byte[] bytes(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }

    private static byte[] range(int from, int to) {
        byte[] out = new byte[to - from];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) (from + i);
        }
        return out;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
