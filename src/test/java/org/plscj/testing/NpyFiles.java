package org.plscj.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads the .npy files we write (format 1.0, little-endian, C order), checking dtype and shape as numpy would see them. */
public final class NpyFiles {
    private static final Pattern HEADER = Pattern.compile("\\{'descr': '([<>|a-z0-9]+)', 'fortran_order': False, 'shape': \\(([0-9, ]*)\\), \\}\\s*");

    private NpyFiles() {}

    /** The array's dtype ({@code <f4}), shape and data of {@code file}. */
    public record Npy(String descr, long[] shape, ByteBuffer data) {}

    public static Npy read(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        if (b.get(0) != (byte) 0x93 || b.get(1) != 'N' || b.get(6) != 1) {
            throw new IllegalArgumentException(file + " is no .npy 1.0 file");
        }
        int length = b.getShort(8) & 0xffff;
        String header = new String(b.array(), 10, length, StandardCharsets.US_ASCII);
        Matcher m = HEADER.matcher(header);
        if (!m.matches() || (10 + length) % 64 != 0) {
            throw new IllegalArgumentException(file + " has an unexpected header: " + header);
        }
        String[] dims = m.group(2).replace(" ", "").split(",");
        long[] shape = java.util.Arrays.stream(dims).filter(s -> !s.isEmpty()).mapToLong(Long::parseLong).toArray();
        return new Npy(m.group(1), shape, b.position(10 + length).slice().order(ByteOrder.LITTLE_ENDIAN));
    }

    public static double[] doubles(Npy npy) {
        double[] out = new double[npy.data().remaining() / 8];
        npy.data().asDoubleBuffer().get(out);
        return out;
    }

    public static float[] floats(Npy npy) {
        float[] out = new float[npy.data().remaining() / 4];
        npy.data().asFloatBuffer().get(out);
        return out;
    }
}
