package org.plscj.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import net.razorvine.pickle.PickleException;
import org.junit.jupiter.api.Test;

/** Every length a pickle declares is checked against what is left of it before anything is allocated. */
class BoundedUnpicklerTest {
    /** PROTO 2, then {@code opcode} with a little-endian {@code lengthBytes}-byte length, {@code body}, STOP. */
    static byte[] pickle(int opcode, int lengthBytes, long declared, byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x80);
        out.write(2);
        out.write(opcode);
        for (int i = 0; i < lengthBytes; i++) {
            out.write((int) (declared >>> (8 * i)) & 0xff);
        }
        out.writeBytes(body);
        out.write('.');
        return out.toByteArray();
    }

    private static Object load(byte[] bytes) throws Exception {
        return new BoundedUnpickler(bytes.length).load(new ByteArrayInputStream(bytes));
    }

    @Test
    void honestLengthsLoad() throws Exception {
        assertArrayEquals(new byte[] {1, 2, 3}, (byte[]) load(pickle('B', 4, 3, new byte[] {1, 2, 3})));
        assertEquals("héllo", load(pickle('X', 4, 6, "héllo".getBytes(java.nio.charset.StandardCharsets.UTF_8))));
    }

    @Test
    void aTwoGigabyteBytesObjectInAFewBytesIsRefusedBeforeAllocating() {
        PickleException e = assertThrows(PickleException.class, () -> load(pickle('B', 4, Integer.MAX_VALUE, new byte[] {1})));
        assertTrue(e.getMessage().contains("declares 2147483647 bytes, but only 2 remain"), e.getMessage());
    }

    @Test
    void aLengthWithTheSignBitSetIsRefusedNotANegativeArray() {
        PickleException e = assertThrows(PickleException.class, () -> load(pickle('X', 4, 0xffffffffL, new byte[0])));
        assertTrue(e.getMessage().contains("declares 4294967295 bytes"), e.getMessage());
    }

    @Test
    void eightByteLengthsAndFramesAreCheckedToo() {
        for (int opcode : new int[] {0x8d, 0x8e, 0x96, 0x95}) { // BINUNICODE8, BINBYTES8, BYTEARRAY8, FRAME
            PickleException e = assertThrows(PickleException.class, () -> load(pickle(opcode, 8, 1L << 40, new byte[] {1, 2})));
            assertTrue(e.getMessage().contains("declares 1099511627776 bytes"), opcode + ": " + e.getMessage());
        }
    }

    @Test
    void aLengthCutShortByTheEndOfTheFileIsReported() {
        byte[] cut = {(byte) 0x80, 2, 'B', 1, 0};
        PickleException e = assertThrows(PickleException.class, () -> load(cut));
        assertTrue(e.getMessage().contains("ends inside the length"), e.getMessage());
    }
}
