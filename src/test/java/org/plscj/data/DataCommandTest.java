package org.plscj.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataCommandTest {
    @TempDir
    Path tmp;
    private final DataCli cli = new DataCli();
    private final StringWriter out = cli.out;
    private final StringWriter err = cli.err;

    private int data(String... args) {
        return cli.run(args);
    }

    private Path dataset(String... lines) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("ds"));
        Files.writeString(dir.resolve("file_list.txt"), "a\n");
        Files.writeString(dir.resolve("a"), String.join("\n", lines) + "\n");
        return dir;
    }

    @Test
    void statsOfACleanDirectoryPrintsCountsAndExitsZero() throws IOException {
        Path dir = dataset("aGVsbG8=\t3", "aGVsbG8=\t3", "aGVsbG8=\t0");
        assertEquals(0, data("stats", dir.toString(), "--num-classes", "4"));
        String report = out.toString();
        assertTrue(report.contains("images   3"), report);
        assertTrue(report.contains("classes  2"), report);
        assertTrue(report.contains("labels   0 … 3"), report);
        assertTrue(report.contains("  1        1") && report.contains("  2–5      1"), report);
        assertTrue(report.contains("bad records: 0"), report);
    }

    @Test
    void statsWithDecodeNamesAnImageThatDoesNotDecodeAndSkipBadCountsIt() throws IOException {
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(20, 10, java.awt.image.BufferedImage.TYPE_INT_RGB);
        java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
        javax.imageio.ImageIO.write(img, "png", png);
        String good = java.util.Base64.getEncoder().encodeToString(png.toByteArray());
        Path dir = dataset(good + "\t1", "aGVsbG8=\t2", good + "\t1");
        assertEquals(0, data("stats", dir.toString()), "without --decode the bytes are not looked at");
        assertEquals(2, data("stats", dir.toString(), "--decode"));
        assertTrue(err.toString().contains("a line 2: the image does not decode"), err.toString());
        out.getBuffer().setLength(0);
        assertEquals(2, data("stats", dir.toString(), "--decode", "--skip-bad"));
        String report = out.toString();
        assertTrue(report.contains("images   2") && report.contains("bad_image"), report);
    }

    @Test
    void statsStopsAtTheFirstBadRecordWithExitTwo() throws IOException {
        Path dir = dataset("aGVsbG8=\t3", "aGVsbG8=\t9");
        assertEquals(2, data("stats", dir.toString(), "--num-classes", "4"));
        assertTrue(err.toString().contains("a line 2: the label is not below --num-classes"), err.toString());
    }

    @Test
    void statsWithSkipBadReportsReasonsAndExitsTwo() throws IOException {
        Path dir = dataset("aGVsbG8=\t3", "junk", "aGVsbG8=\t1");
        assertEquals(2, data("stats", dir.toString(), "--skip-bad"));
        assertTrue(out.toString().contains("images   2"), out.toString());
        assertTrue(out.toString().contains("no_tab"), out.toString());
    }

    @Test
    void shuffleSplitWritesOneFilePerRank() throws IOException {
        Path dir = dataset("aGVsbG8=\t3", "aGVsbG8=\t2", "aGVsbG8=\t1");
        Path split = tmp.resolve("split");
        assertEquals(0, data("shuffle-split", dir.toString(), "--nranks", "2", "--seed", "1", "--out", split.toString()));
        assertEquals(2, PlscDataset.open(split).files().size());
        assertTrue(out.toString().contains("3 records through 1 bucket(s) of "), out.toString());
        assertTrue(out.toString().contains(" → 2 files × 2 lines (1 padding)"), out.toString());
        assertEquals(2, data("shuffle-split", dir.toString(), "--nranks", "2", "--seed", "1", "--out", split.toString()));
        assertTrue(err.toString().contains("already exists"), err.toString());
    }
}
