package org.plscj.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.plscj.data.ImageDecoder;
import org.plscj.data.PlscWriter;
import org.plscj.export.CentresPrecision;
import org.plscj.tensor.Native;
import org.plscj.testing.Float32Tolerance;
import org.plscj.testing.ServeTesting;

/** plsc predict: a PLSC data directory or an image folder → a .npy of the backbone's embeddings, which NumPy reads. */
class PredictorTest {
    @TempDir
    Path root;

    @BeforeAll
    static void load() {
        Native.load();
    }

    @Test
    void plscDirectoryAndImageFolderGiveTheEnginesEmbeddings() throws Exception {
        ModelBundle bundle = ModelBundle.open(TestBundles.bundle(root, 100, CentresPrecision.NONE));
        List<byte[]> images = pngs(7);
        Path data = root.resolve("data");
        try (PlscWriter w = PlscWriter.create(data)) {
            w.startFile("part-0");
            for (byte[] image : images) {
                w.write(image, 0);
            }
        }
        Path folder = Files.createDirectories(root.resolve("folder/sub"));
        for (int i = 0; i < images.size(); i++) {
            Files.write(folder.resolve("img" + i + ".png"), images.get(i));
        }
        TorchEngine engine = new TorchEngine(bundle.backbone());
        float[][] expected = engine.embed(packed(images), images.size());
        // why this bound: batches of 3 and 4 instead of 7 may run other kernels (Float32Tolerance)
        float tolerance = (float) (Float32Tolerance.relative(bundle.backbone()) * ServeTesting.maxAbs(expected));

        Path fromPlsc = root.resolve("plsc.npy");
        assertEquals(7, new Predictor(engine, 3, false).run(data, fromPlsc));
        assertArrayEquals(flat(expected), readNpy(fromPlsc, 7, TestBundles.EMB_DIM), tolerance);

        Path fromFolder = root.resolve("folder.npy");
        assertEquals(7, new Predictor(engine, 4, false).run(root.resolve("folder"), fromFolder));
        assertArrayEquals(flat(expected), readNpy(fromFolder, 7, TestBundles.EMB_DIM), tolerance);
        assertNumpyReads(fromPlsc, expected[6][3]);
    }

    @Test
    void aFolderWithoutImagesIsRefusedAndLeavesNoFile() throws Exception {
        ModelBundle bundle = ModelBundle.open(TestBundles.bundle(root, 100, CentresPrecision.NONE));
        Path empty = Files.createDirectories(root.resolve("empty"));
        Path out = root.resolve("x.npy");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Predictor(new TorchEngine(bundle.backbone()), 4, false).run(empty, out));
        assertTrue(e.getMessage().contains("no *.jpg"), e.getMessage());
        assertFalse(Files.exists(out));
        assertFalse(Files.exists(root.resolve("x.npy.tmp")));
    }

    /** Our own reading of the format: magic, version 1.0, header dict, 64-byte alignment, little-endian floats. */
    private static float[] readNpy(Path file, int rows, int cols) throws Exception {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals((byte) 0x93, b.get(0));
        assertEquals("NUMPY", new String(b.array(), 1, 5, StandardCharsets.US_ASCII));
        int headerLength = b.getShort(8);
        assertEquals(0, (10 + headerLength) % 64);
        String header = new String(b.array(), 10, headerLength, StandardCharsets.US_ASCII);
        assertTrue(header.contains("'descr': '<f4'") && header.contains("'shape': (" + rows + ", " + cols + ")"), header);
        float[] out = new float[rows * cols];
        b.position(10 + headerLength);
        b.asFloatBuffer().get(out);
        assertEquals(10 + headerLength + 4L * rows * cols, Files.size(file));
        return out;
    }

    private static void assertNumpyReads(Path file, float value) throws Exception {
        Path python = Paths.get("/usr/bin/python3");
        if (!Files.isExecutable(python)) {
            return;
        }
        Process p = new ProcessBuilder(python.toString(), "-c",
                "import numpy, sys; a = numpy.load(sys.argv[1]); print(a.dtype, a.shape, repr(float(a[6, 3])))", file.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (p.waitFor() != 0 && out.contains("No module named 'numpy'")) {
            return;
        }
        String[] parts = out.split(" ", 2);
        assertEquals("float32 (7, " + TestBundles.EMB_DIM + ")", parts[0] + " " + parts[1].substring(0, parts[1].lastIndexOf(' ')), out);
        // the batch sizes differ from the reference's (3 vs 7), which moves the last bits
        assertEquals(value, Double.parseDouble(out.substring(out.lastIndexOf(' ') + 1)), 1e-5, out);
    }

    private static List<byte[]> pngs(int n) throws Exception {
        Random random = new Random(11);
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            BufferedImage image = new BufferedImage(112, 112, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < 112; y++) {
                for (int x = 0; x < 112; x++) {
                    image.setRGB(x, y, random.nextInt(1 << 24));
                }
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            ImageIO.write(image, "png", bytes);
            out.add(bytes.toByteArray());
        }
        return out;
    }

    private static float[] packed(List<byte[]> images) {
        ImageDecoder d = ImageDecoder.plsc();
        float[] out = new float[images.size() * d.sampleSize()];
        for (int i = 0; i < images.size(); i++) {
            d.decodeInto(images.get(i), "image " + i, false, out, i * d.sampleSize());
        }
        return out;
    }

    private static float[] flat(float[][] rows) {
        float[] out = new float[rows.length * rows[0].length];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, out, i * rows[0].length, rows[0].length);
        }
        return out;
    }
}
