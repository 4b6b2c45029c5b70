package org.plscj.eval;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import net.razorvine.pickle.PickleException;
import net.razorvine.pickle.Unpickler;
import org.plscj.io.BoundedUnpickler;

/**
 * An insightface verification set ({@code lfw.bin}, {@code agedb_30.bin}, ...): a Python pickle of
 * the 2-tuple {@code (bins, issame_list)} where {@code bins} holds 2·P encoded images, pair k being
 * images 2k and 2k+1, and {@code issame_list} P booleans. The images stay encoded (JPEG/PNG bytes).
 *
 * @param images the 2·P encoded images, in file order
 * @param issame P flags, true where pair k shows the same identity
 */
public record VerificationSet(List<byte[]> images, boolean[] issame) {

    /** Number of pairs. */
    public int pairs() {
        return issame.length;
    }

    /**
     * Reads a {@code .bin} written by Python 2 (images pickled as {@code str}) or Python 3
     * ({@code bytes}, any protocol), unpickling straight from a buffered stream of the file.
     *
     * @throws IllegalArgumentException naming the file (and the element index where there is one)
     *     when it is not a pickle, is truncated, or does not hold a (list of bytes, list of bools)
     *     tuple with two images per flag
     * @throws IOException when the file cannot be opened
     */
    public static VerificationSet read(Path file) throws IOException {
        Object root;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            root = unpickle(file, in, Files.size(file));
        }
        if (!(root instanceof Object[] tuple) || tuple.length != 2
                || !(tuple[0] instanceof List<?> bins) || !(tuple[1] instanceof List<?> flags)) {
            throw new IllegalArgumentException(file + ": expected a pickled (bins, issame_list) tuple of two lists, got "
                    + describe(root));
        }
        if (bins.size() % 2 != 0) {
            throw new IllegalArgumentException(file + ": odd image count " + bins.size() + " (images come in pairs)");
        }
        if (flags.size() != bins.size() / 2) {
            throw new IllegalArgumentException(file + ": issame_list has " + flags.size() + " flags for "
                    + bins.size() + " images (" + bins.size() / 2 + " pairs)");
        }
        List<byte[]> images = new ArrayList<>(bins.size());
        for (int i = 0; i < bins.size(); i++) {
            images.add(imageBytes(file, i, bins.get(i)));
        }
        boolean[] issame = new boolean[flags.size()];
        for (int k = 0; k < issame.length; k++) {
            if (!(flags.get(k) instanceof Boolean b)) {
                throw new IllegalArgumentException(file + ": issame_list[" + k + "] is " + describe(flags.get(k)) + ", not a bool");
            }
            issame[k] = b;
        }
        return new VerificationSet(images, issame);
    }

    // Pyrolite reports a malformed or truncated stream as a PickleException or an IOException
    // ("premature end of file"); both mean the file is not a readable pickle.
    private static Object unpickle(Path file, InputStream in, long size) {
        Unpickler unpickler = new BoundedUnpickler(size);
        try {
            return unpickler.load(in);
        } catch (PickleException | IOException e) {
            throw new IllegalArgumentException(file + ": not a readable pickle (" + e.getMessage() + ")", e);
        } finally {
            unpickler.close();
        }
    }

    // Python 3 bytes arrive as byte[]; Python 2 str (BINSTRING) arrives as a String of chars
    // 0-255, one per byte, so ISO-8859-1 turns it back into the original bytes.
    private static byte[] imageBytes(Path file, int index, Object element) {
        if (element instanceof byte[] bytes) {
            return bytes;
        }
        if (element instanceof String s && s.chars().allMatch(c -> c < 256)) {
            return s.getBytes(StandardCharsets.ISO_8859_1);
        }
        throw new IllegalArgumentException(file + ": bins[" + index + "] is " + describe(element) + ", not bytes");
    }

    private static String describe(Object o) {
        return o == null ? "None" : o.getClass().getSimpleName();
    }
}
