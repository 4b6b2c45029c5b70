package org.plscj.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Existing splits stay valid: shuffle-split's output is byte for byte what the string-based implementation
 * (up to commit 81f64a4) wrote for the same input and seed. The digests below were computed by running that
 * implementation on {@link #source} (see the commit that added this test); any change of the output changes them.
 */
class ShuffleSplitGoldenTest {
    @TempDir
    Path tmp;

    /**
     * Three data files of 1,500 records of 0..3,000 random bytes (so lines from 1 to ~4 KB, buckets of uneven
     * size), one with CRLF line ends and one whose last line lacks its newline; with {@code bad}, some bad lines.
     */
    static Path source(Path dir, boolean bad) throws IOException {
        Files.createDirectories(dir);
        SplittableRandom rng = new SplittableRandom(2024);
        StringBuilder list = new StringBuilder();
        for (int f = 0; f < 3; f++) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (int i = 0; i < 500; i++) {
                byte[] image = new byte[rng.nextInt(3001)];
                rng.nextBytes(image);
                String line = Base64.getEncoder().encodeToString(image) + '\t' + rng.nextInt(100);
                if (bad && i % 97 == 13) {
                    line = i % 2 == 0 ? "no tab here" : "@@@@\t5";
                }
                out.writeBytes(line.getBytes(StandardCharsets.US_ASCII));
                if (f != 2 || i != 499) {
                    out.writeBytes(f == 1 ? new byte[] {'\r', '\n'} : new byte[] {'\n'});
                }
            }
            Files.write(dir.resolve("data-" + f), out.toByteArray());
            list.append("data-").append(f).append('\n');
        }
        Files.writeString(dir.resolve(PlscDataset.FILE_LIST), list);
        return dir;
    }

    /** SHA-256 over every output file's name and bytes, in name order, plus the result's figures. */
    static String digest(Path out, ShuffleSplit.Result result) throws IOException {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            List<Path> files;
            try (Stream<Path> s = Files.list(out)) {
                files = s.sorted().toList();
            }
            for (Path f : files) {
                sha.update(f.getFileName().toString().getBytes(StandardCharsets.UTF_8));
                sha.update(Files.readAllBytes(f));
            }
            sha.update((result.records() + "/" + result.buckets() + "/" + result.linesPerFile() + "/" + result.padding()
                    + "/" + result.bad().total()).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The cases: {nranks, seed, buckets wanted, dropRemainder, bad lines + skip-bad}. */
    static final long[][] CASES = {{4, 7, 8, 0, 0}, {3, 11, 1, 1, 0}, {5, 3, 13, 0, 1}, {7, 12345, 40, 0, 0}};

    static String run(Path tmp, long[] c, ShuffleSplit.BucketContents contents) throws IOException {
        Path src = tmp.resolve("src-" + c[1]);
        if (!Files.exists(src)) {
            source(src, c[4] == 1);
        }
        long bytes = PlscDataset.open(src).totalBytes();
        long budget = (2 * bytes + c[2] - 1) / c[2];
        Path out = tmp.resolve("out-" + c[1] + "-" + contents);
        ShuffleSplit.Result r = ShuffleSplit.run(src, out,
                new ShuffleSplit.Config((int) c[0], c[1], budget, c[3] == 1, c[4] == 1).withBucketContents(contents));
        assertEquals(c[2], r.buckets(), "buckets");
        assertEquals(contents, r.bucketContents());
        return digest(out, r);
    }

    private static final String[] EXPECTED = {
        "fc32e5fb435e47762a671b4fdff4ca84a5f13e140648dc5b97d1f559700bc53c",
        "6c27056da1831e775ddb6bd7ea4a6c0b79a38d289f0fce71fa4923cc666de48b",
        "b3f18db8a98799273f9359efac2b80ea22f67c69a82053f6357f89cb8b46006e",
        "8f6abcf940b0774c83c8728b0ce9f8d8486f954e26f36bd3994bc3f89378ade1",
    };

    @ParameterizedTest
    @EnumSource(value = ShuffleSplit.BucketContents.class, names = {"LINES", "OFFSETS"})
    void outputIsByteIdenticalToTheStringBasedImplementationWhateverTheBucketsHold(ShuffleSplit.BucketContents contents)
            throws IOException {
        for (int i = 0; i < CASES.length; i++) {
            assertEquals(EXPECTED[i], run(tmp, CASES[i], contents), "case " + java.util.Arrays.toString(CASES[i]));
        }
    }
}
