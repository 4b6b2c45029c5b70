package org.plscj.io;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import net.razorvine.pickle.Opcodes;
import net.razorvine.pickle.PickleException;
import net.razorvine.pickle.Unpickler;

/**
 * Pyrolite's {@link Unpickler} for files nobody vouches for: every length a pickle declares (strings, bytes,
 * big integers, frames) is checked against what is left of the pickle before anything is allocated. Pyrolite
 * itself allocates {@code new byte[length]} first, so a few bytes declaring 2 GB exhaust the heap and a length
 * above 2³¹ throws NegativeArraySizeException. A violation is a {@link PickleException} saying which opcode
 * declared how much at which byte.
 */
public class BoundedUnpickler extends Unpickler {
    private final long size;
    private Counting counted;
    private PushbackInputStream pushback;

    /** @param size the most bytes the pickle can hold (its file or archive record's size) */
    public BoundedUnpickler(long size) {
        this.size = size;
    }

    @Override
    public Object load(InputStream stream) throws PickleException, IOException {
        counted = new Counting(stream);
        pushback = new PushbackInputStream(counted, Long.BYTES);
        return super.load(pushback);
    }

    @Override
    protected Object dispatch(short key) throws PickleException, IOException {
        int lengthBytes = switch (key) {
            case Opcodes.BINSTRING, Opcodes.BINBYTES, Opcodes.BINUNICODE, Opcodes.LONG4 -> Integer.BYTES;
            case Opcodes.BINUNICODE8, Opcodes.BINBYTES8, Opcodes.BYTEARRAY8, Opcodes.FRAME -> Long.BYTES;
            default -> 0;
        };
        if (lengthBytes > 0) {
            checkDeclaredLength(key, lengthBytes);
        }
        return super.dispatch(key);
    }

    /** Reads the little-endian length that follows the opcode, checks it, and puts it back for Pyrolite to read. */
    private void checkDeclaredLength(short key, int lengthBytes) throws IOException {
        byte[] raw = pushback.readNBytes(lengthBytes);
        if (raw.length < lengthBytes) {
            throw new PickleException("the pickle ends inside the length of opcode " + key + " at byte " + counted.count);
        }
        long length = 0;
        for (int i = lengthBytes - 1; i >= 0; i--) {
            length = (length << 8) | (raw[i] & 0xff);
        }
        long remaining = size - counted.count;
        // why also the sign bit: Pyrolite reads 4-byte lengths as a signed int, so ≥ 2³¹ would become negative
        boolean signed = lengthBytes == Integer.BYTES && length > Integer.MAX_VALUE;
        if (length < 0 || signed || length > remaining) {
            throw new PickleException("opcode " + key + " at byte " + (counted.count - lengthBytes - 1) + " declares "
                    + Long.toUnsignedString(length) + " bytes, but only " + Math.max(0, remaining) + " remain in the pickle");
        }
        pushback.unread(raw);
    }

    /** Counts the bytes taken from the underlying stream. */
    private static final class Counting extends FilterInputStream {
        long count;

        Counting(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }
    }
}
