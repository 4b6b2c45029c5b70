package org.plscj.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code plsc data convert --from-folders ROOT --labels FILE}: adding an identity never renumbers the others. */
class StableLabelsTest {
    @TempDir
    Path tmp;
    private final DataCli cli = new DataCli();

    private Path addClass(Path root, String name, int images) throws IOException {
        Path dir = Files.createDirectories(root.resolve(name));
        for (int i = 0; i < images; i++) {
            Files.write(dir.resolve("img" + i + ".jpg"), (name + i).getBytes());
        }
        return dir;
    }

    /** Label → the class folder whose images carry it, from the records themselves. */
    private static Map<Integer, String> labelsOfRecords(Path dir) throws IOException {
        Map<Integer, String> out = new TreeMap<>();
        for (PlscRecord r : DataCli.records(dir)) {
            String image = new String(r.image());
            out.put(r.label(), image.substring(0, image.length() - 1));
        }
        return out;
    }

    @Test
    void aFolderAddedBeforeTheOthersIsAppendedAndOldLabelsStay() throws IOException {
        Path root = tmp.resolve("photos");
        addClass(root, "bob", 2);
        addClass(root, "dan", 1);
        Path v1 = tmp.resolve("v1");
        assertEquals(0, cli.run("convert", "--from-folders", root.toString(), "--out", v1.toString()));
        Path identities = Files.copy(v1.resolve(DataConvert.LABELS_TSV), tmp.resolve("identities.tsv"));

        // "alice" and "carol" sort before and between the known names: by position they would take labels 0 and 2
        addClass(root, "alice", 2);
        addClass(root, "carol", 1);
        Path v2 = tmp.resolve("v2");
        assertEquals(0, cli.run("convert", "--from-folders", root.toString(), "--labels", identities.toString(), "--out", v2.toString()),
                cli.err.toString());

        String expected = "0\tbob\n1\tdan\n2\talice\n3\tcarol\n";
        assertEquals(expected, Files.readString(identities), "the labels file is rewritten with the new names appended");
        assertEquals(expected, Files.readString(v2.resolve(DataConvert.LABELS_TSV)));
        assertEquals(Map.of(0, "bob", 1, "dan"), labelsOfRecords(v1));
        assertEquals(Map.of(0, "bob", 1, "dan", 2, "alice", 3, "carol"), labelsOfRecords(v2), "the records carry the kept labels");
    }

    @Test
    void aKnownNameWithoutItsFolderIsRefusedNamingTheEntry() throws IOException {
        Path root = tmp.resolve("photos");
        addClass(root, "bob", 1);
        Path identities = Files.writeString(tmp.resolve("identities.tsv"), "0\tbob\n1\tdan\n");
        Path out = tmp.resolve("v2");
        assertEquals(2, cli.run("convert", "--from-folders", root.toString(), "--labels", identities.toString(), "--out", out.toString()));
        String err = cli.err.toString();
        assertTrue(err.contains(identities.toString()) && err.contains("1 'dan'"), err);
        assertFalse(Files.exists(out), "nothing is written");
        assertEquals("0\tbob\n1\tdan\n", Files.readString(identities), "the labels file is untouched");
    }

    @Test
    void aLabelsFileGivingOneLabelTwiceIsRefusedNamingTheLine() throws IOException {
        Path root = tmp.resolve("photos");
        addClass(root, "bob", 1);
        addClass(root, "dan", 1);
        Path identities = Files.writeString(tmp.resolve("identities.tsv"), "0\tbob\n0\tdan\n");
        assertEquals(2, cli.run("convert", "--from-folders", root.toString(), "--labels", identities.toString(),
                "--out", tmp.resolve("v2").toString()));
        String err = cli.err.toString();
        assertTrue(err.contains(identities + " line 2") && err.contains("label 0 ('dan')") && err.contains("'bob'"), err);
    }

    @Test
    void labelsGoWithFoldersOnly() throws IOException {
        Path identities = Files.writeString(tmp.resolve("identities.tsv"), "0\tbob\n");
        assertEquals(2, cli.run("convert", "--from-generator", "--classes", "2", "--per-class", "1", "--labels", identities.toString(),
                "--out", tmp.resolve("g").toString()));
        assertTrue(cli.err.toString().contains("--labels goes with --from-folders"), cli.err.toString());
    }
}
