package org.plscj.eval;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import net.razorvine.pickle.IObjectPickler;
import net.razorvine.pickle.Opcodes;
import net.razorvine.pickle.Pickler;
import org.plscj.io.AtomicFile;

/**
 * Writes a verification set in insightface's {@code .bin} layout, readable by
 * {@code pickle.load(f, encoding='bytes')} in Python 3 and by {@link VerificationSet#read}: a pickle
 * (protocol 3) of the 2-tuple {@code (bins, issame_list)}, {@code bins} a list of 2·P Python
 * {@code bytes}, {@code issame_list} a list of P {@code bool}.
 *
 * <p>Why not plain Pyrolite: Pyrolite 4.30 pickles a Java {@code byte[]} as
 * {@code __builtin__.bytearray(unicode, 'latin-1')} (a protocol-2 idiom), so Python would get
 * {@code bytearray} objects, not the {@code bytes} that {@code pickle.dump} of insightface's files
 * gives. It dispatches arrays before consulting custom picklers, so each image is wrapped in
 * {@link PythonBytes}, whose pickler emits the protocol-3 opcodes {@code SHORT_BINBYTES} (length
 * &lt; 256) or {@code BINBYTES} (4-byte little-endian length), and the stream header says
 * protocol 3 accordingly. The custom pickler is local to this writer's {@link Pickler} subclass,
 * not registered globally.
 */
public final class VerificationBinWriter {
    private static final int PROTOCOL = 3;

    private VerificationBinWriter() {}

    /** Writes {@code set} to {@code file} atomically (temporary file, then rename). */
    public static void write(Path file, VerificationSet set) throws IOException {
        if (set.images().size() != 2 * set.pairs()) {
            throw new IllegalArgumentException("cannot write " + file + ": " + set.images().size() + " images for "
                    + set.pairs() + " pairs, expected " + 2 * set.pairs());
        }
        List<PythonBytes> bins = new ArrayList<>(set.images().size());
        for (int i = 0; i < set.images().size(); i++) {
            byte[] image = set.images().get(i);
            if (image == null) {
                throw new IllegalArgumentException("cannot write " + file + ": image " + i + " is null");
            }
            bins.add(new PythonBytes(image));
        }
        List<Boolean> issame = new ArrayList<>(set.pairs());
        for (boolean same : set.issame()) {
            issame.add(same);
        }
        Object[] root = {bins, issame}; // a Java Object[] pickles as a Python tuple
        AtomicFile.write(file, out -> {
            BytesPickler pickler = new BytesPickler();
            pickler.dump(root, out);
        });
    }

    /** A Java byte array that pickles as a Python 3 {@code bytes} object. */
    private record PythonBytes(byte[] value) {}

    private static final class BytesPickler extends Pickler {
        private static final IObjectPickler BYTES = (o, out, pickler) -> writeBytes(((PythonBytes) o).value(), out);

        BytesPickler() {
            super(false); // no memo: every image is a distinct object, nothing to share
            PROTOCOL = VerificationBinWriter.PROTOCOL;
        }

        @Override
        protected IObjectPickler getCustomPickler(Class<?> type) {
            return type == PythonBytes.class ? BYTES : super.getCustomPickler(type);
        }

        private static void writeBytes(byte[] value, OutputStream out) throws IOException {
            if (value.length < 256) {
                out.write(Opcodes.SHORT_BINBYTES);
                out.write(value.length);
            } else {
                out.write(Opcodes.BINBYTES);
                int n = value.length;
                out.write(new byte[] {(byte) n, (byte) (n >>> 8), (byte) (n >>> 16), (byte) (n >>> 24)});
            }
            out.write(value);
        }
    }
}
