package org.plscj.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.plscj.eval.ijb.IjbTestSet;
import org.plscj.export.BundleMeta;
import org.plscj.export.CentresPrecision;
import org.plscj.serve.TestBundles;
import org.plscj.tensor.Native;
import org.plscj.testing.Jvm;
import org.plscj.testing.NpyFiles;
import picocli.CommandLine;

/** {@code plsc eval --ijb} on a generated IJB-C directory with a bundle, its bare .onnx, and two launched workers. */
class EvalIjbCommandTest {
    @TempDir
    static Path shared;

    private static Path ijb;
    private static Path bundle;
    private static int images;

    @BeforeAll
    static void prepare() throws Exception {
        Native.load();
        ijb = shared.resolve("IJBC");
        images = IjbTestSet.write(ijb);
        bundle = TestBundles.bundle(shared, 10, CentresPrecision.NONE);
    }

    private record Run(int exit, String out, String err) {}

    private static Run plsc(String... args) {
        CommandLine cl = Plsc.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return new Run(cl.execute(args), out.toString(), err.toString());
    }

    private static double[] scores(Path npy) throws Exception {
        NpyFiles.Npy scores = NpyFiles.read(npy);
        assertEquals("<f8", scores.descr());
        assertArrayEquals(new long[] {IjbTestSet.PAIRS}, scores.shape(), "one score per pair line");
        return NpyFiles.doubles(scores);
    }

    @Test
    void aBundlePrintsTheTableAndWritesJsonCsvRocAndArrays(@TempDir Path out) throws Exception {
        Run run = plsc("eval", "--ijb", ijb.toString(), "--model", bundle.toString(), "--json-out", out.resolve("ijbc.json").toString(),
                "--features-out", out.resolve("feats.npy").toString(), "--scores-out", out.resolve("scores.npy").toString());

        assertEquals(0, run.exit(), run.err());
        assertTrue(run.err().lines().anyMatch(l -> l.matches("embed: (\\d+)/\\1 images \\(100%\\), .*")), "progress on stderr: " + run.err());
        assertTrue(run.out().contains("|      Methods     | 1e-06 | 1e-05 | 0.0001 | 0.001 |  0.01 |  0.1  |")
                || run.out().contains("| 1e-06 "), run.out());
        assertTrue(run.out().contains("| " + TestBundles.MODEL + "-IJBC |"), run.out());
        JsonNode json = new ObjectMapper().readTree(out.resolve("ijbc.json").toFile());
        assertEquals(images, json.get("images").asInt());
        assertEquals(IjbTestSet.PAIRS, json.get("pairs").asInt());
        assertEquals(6, json.get("tar_at_far").size());
        assertTrue(json.get("flags").get("norm_score").asBoolean());
        NpyFiles.Npy feats = NpyFiles.read(out.resolve("feats.npy"));
        assertEquals("<f4", feats.descr());
        assertArrayEquals(new long[] {images, TestBundles.EMB_DIM}, feats.shape());
        assertEquals(IjbTestSet.PAIRS, scores(out.resolve("scores.npy")).length);
        List<String> tar = Files.readAllLines(out.resolve("ijbc-tar.csv"));
        assertEquals("far,tar", tar.get(0));
        assertEquals(7, tar.size());
        assertTrue(Files.size(out.resolve("ijbc-roc.png")) > 0);
        assertTrue(Files.readString(out.resolve("ijbc-roc.csv")).startsWith("threshold,tpr,fpr\nInfinity,0.0,0.0\n"));
    }

    @Test
    void theBundlesBareOnnxFileScoresAsItsTorchBackbone(@TempDir Path out) throws Exception {
        Path onnx = bundle.resolve(BundleMeta.ONNX);

        Run torch = plsc("eval", "--ijb", ijb.toString(), "--model", bundle.toString(), "--json-out", out.resolve("t.json").toString(),
                "--scores-out", out.resolve("torch.npy").toString());
        Run ort = plsc("eval", "--ijb", ijb.toString(), "--model", onnx.toString(), "--json-out", out.resolve("o.json").toString(),
                "--scores-out", out.resolve("onnx.npy").toString());

        assertEquals(0, torch.exit(), torch.err());
        assertEquals(0, ort.exit(), ort.err());
        assertTrue(ort.out().contains("| backbone-IJBC |"), "a bare .onnx is named after its file: " + ort.out());
        // two runtimes' float32 convolutions differ in the last bits; cosines in [-1, 1] keep them within 1e-4
        assertArrayEquals(scores(out.resolve("torch.npy")), scores(out.resolve("onnx.npy")), 1e-4);
    }

    @Test
    void twoLaunchedWorkersSplitTheImagesAndScoreAsOneProcess(@TempDir Path out) throws Exception {
        Run one = plsc("eval", "--ijb", ijb.toString(), "--model", bundle.toString(), "--batch", "8", "--json-out",
                out.resolve("one.json").toString(), "--scores-out", out.resolve("one.npy").toString());

        Jvm.Running launch = Jvm.plsc(List.of("launch", "--nproc", "2", "--master-port", "0", "--", "eval", "--timeout", "120",
                "--ijb", ijb.toString(), "--model", bundle.toString(), "--batch", "8", "--json-out", out.resolve("two.json").toString(),
                "--scores-out", out.resolve("two.npy").toString()));

        assertEquals(0, one.exit(), one.err());
        assertEquals(0, launch.waitFor(300), launch.output());
        // each worker's batches differ from the single process's, and libtorch's CPU kernels may sum in another
        // order per batch size: float32 rounding, far below 1e-5 of a cosine
        assertArrayEquals(scores(out.resolve("one.npy")), scores(out.resolve("two.npy")), 1e-5);
    }

    @Test
    void anAbsentImageFailsNamingTheFileAndItsLandmarkLine(@TempDir Path out) throws Exception {
        Path broken = out.resolve("IJBC");
        IjbTestSet.copy(ijb, broken);
        Files.delete(broken.resolve("loose_crop/3.png"));

        Run run = plsc("eval", "--ijb", broken.toString(), "--model", bundle.toString(), "--json-out", out.resolve("x.json").toString());
        Run skipping = plsc("eval", "--ijb", broken.toString(), "--model", bundle.toString(), "--skip-bad", "--json-out",
                out.resolve("s.json").toString());

        assertEquals(Plsc.BAD_INPUT, run.exit());
        assertTrue(run.err().contains(broken.resolve("loose_crop/3.png") + " (image of meta/ijbc_name_5pts_score.txt line 3): the image is absent"),
                run.err());
        assertEquals(0, skipping.exit(), skipping.err());
        JsonNode json = new ObjectMapper().readTree(out.resolve("s.json").toFile());
        assertEquals(1, json.get("images_skipped").asInt());
        assertTrue(json.get("skipped").get(0).asText().contains("3.png"));
    }
}
