package org.plscj.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdentityGeneratorTest {
    @TempDir
    Path tmp;

    @Test
    void deterministicAndDistinct() {
        IdentityGenerator gen = new IdentityGenerator(7);
        byte[] a = gen.sample(3, 1);
        assertArrayEquals(a, new IdentityGenerator(7).sample(3, 1));
        assertFalse(Arrays.equals(a, gen.sample(3, 2)), "views of one identity differ");
        assertFalse(Arrays.equals(a, gen.sample(4, 1)), "identities differ");
        assertFalse(Arrays.equals(a, new IdentityGenerator(8).sample(3, 1)), "seeds differ");
        BufferedImage img = gen.render(3, 1);
        assertEquals(112, img.getWidth());
        assertEquals(112, img.getHeight());
        assertEquals(BufferedImage.TYPE_INT_RGB, img.getType());
    }

    @Test
    void viewsOfOneIdentityAreCloserThanOtherIdentities() {
        IdentityGenerator gen = new IdentityGenerator(1);
        int ids = 10;
        int views = 4;
        int[][][] px = new int[ids][views][];
        for (int k = 0; k < ids; k++) {
            for (int v = 0; v < views; v++) {
                px[k][v] = gen.render(k, v).getRGB(0, 0, 112, 112, null, 0, 112);
            }
        }
        double intra = 0;
        double inter = 0;
        long nIntra = 0;
        long nInter = 0;
        for (int k1 = 0; k1 < ids; k1++) {
            for (int v1 = 0; v1 < views; v1++) {
                for (int k2 = k1; k2 < ids; k2++) {
                    for (int v2 = k2 == k1 ? v1 + 1 : 0; v2 < views; v2++) {
                        double mse = mse(px[k1][v1], px[k2][v2]);
                        if (k1 == k2) {
                            intra += mse;
                            nIntra++;
                        } else {
                            inter += mse;
                            nInter++;
                        }
                    }
                }
            }
        }
        intra /= nIntra;
        inter /= nInter;
        System.out.printf("IdentityGenerator MSE: intra %.1f, inter %.1f%n", intra, inter);
        assertTrue(intra < inter, "intra " + intra + " < inter " + inter);
    }

    private static double mse(int[] a, int[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            for (int shift = 0; shift <= 16; shift += 8) {
                int d = ((a[i] >> shift) & 0xFF) - ((b[i] >> shift) & 0xFF);
                sum += d * d;
            }
        }
        return sum / (3.0 * a.length);
    }

    @Test
    void cliWritesDecodableLabelledRecords() throws Exception {
        Path out = tmp.resolve("synth");
        DataCli cli = new DataCli();
        int rc = cli.run("convert", "--from-generator", "--classes", "3", "--per-class", "2", "--seed", "5",
                "--first-class", "100", "--out", out.toString(), "--files", "2");
        assertEquals(0, rc, cli.err.toString());
        List<PlscRecord> records = DataCli.records(out);
        assertEquals(6, records.size());
        List<Integer> labels = records.stream().map(PlscRecord::label).sorted().toList();
        assertEquals(List.of(0, 0, 1, 1, 2, 2), labels);
        IdentityGenerator gen = new IdentityGenerator(5);
        ImageDecoder decoder = ImageDecoder.plsc();
        for (PlscRecord r : records) {
            boolean found = false;
            for (int v = 0; v < 2; v++) {
                found |= Arrays.equals(r.image(), gen.sample(100 + r.label(), v));
            }
            assertTrue(found, "record bytes are a view of identity 100 + label");
            float[] pixels = decoder.decode(r.image(), "test", false);
            assertEquals(112 * 112 * 3, pixels.length);
        }
        // the API directly: identity-major order in part-00000 (records 0, 2, 4) → labels 0, 1, 2
        DataConvert.Result res = DataConvert.fromGenerator(2, 2, 5, 0, tmp.resolve("api"), 1);
        assertEquals(4, res.images());
        assertEquals(2, res.classes());
        List<Integer> order = new ArrayList<>();
        PlscDataset.open(tmp.resolve("api")).scan(PlscDataset.ReadOptions.strict(), (r, t) -> order.add(r.label()));
        assertEquals(List.of(0, 0, 1, 1), order);
        // --classes without --from-generator is refused
        assertTrue(cli.run("convert", "--from-folders", tmp.toString(), "--classes", "3",
                "--out", tmp.resolve("x").toString()) != 0);
    }
}
