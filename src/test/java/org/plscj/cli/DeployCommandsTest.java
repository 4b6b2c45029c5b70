package org.plscj.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.plscj.serve.BundleMeta;
import org.plscj.serve.TestBundles;
import org.plscj.tensor.Native;
import picocli.CommandLine;

/** plsc export and plsc predict as a user runs them: exit codes, files, one-line errors. */
class DeployCommandsTest {
    @TempDir
    Path root;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeAll
    static void load() {
        Native.load();
    }

    @Test
    void exportThenPredict() throws Exception {
        Path checkpoint = TestBundles.checkpoint(root.resolve("run"), 300);
        Path bundle = root.resolve("bundle");
        assertEquals(0, run("export", "--checkpoint", checkpoint.toString(), "--out", bundle.toString(), "--centres", "fp16"), err.toString());
        assertTrue(out.toString().contains("300 centres (fp16)"), out.toString());
        assertTrue(Files.isRegularFile(bundle.resolve(BundleMeta.ONNX)));

        assertEquals(2, run("export", "--checkpoint", checkpoint.toString(), "--out", bundle.toString()));
        assertTrue(err.toString().contains("already exists"), err.toString());
        assertEquals(2, run("export", "--checkpoint", checkpoint.toString(), "--out", root.resolve("b2").toString(), "--centres", "int4"));
        assertTrue(err.toString().contains("--centres must be fp32, fp16, int8 or none"), err.toString());

        Path images = Files.createDirectories(root.resolve("images"));
        for (int i = 0; i < 3; i++) {
            ImageIO.write(new BufferedImage(112, 112, BufferedImage.TYPE_INT_RGB), "jpg", images.resolve(i + ".jpg").toFile());
        }
        Path npy = root.resolve("e.npy");
        assertEquals(0, run("predict", "--model", bundle.toString(), "--data", images.toString(), "--out", npy.toString(),
                "--engine", "onnx", "--normalize"), err.toString());
        assertTrue(out.toString().contains("3 x " + TestBundles.EMB_DIM), out.toString());
        assertEquals(128 + 3L * 4 * TestBundles.EMB_DIM, Files.size(npy));
    }

    private int run(String... args) {
        CommandLine cl = Plsc.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }
}
