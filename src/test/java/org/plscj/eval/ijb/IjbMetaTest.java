package org.plscj.eval.ijb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading insightface's IJB meta layout: bad files and lines are named by file and line, or counted under skip-bad. */
class IjbMetaTest {
    @TempDir
    Path dir;

    private Path copyOfFixture() throws IOException {
        Files.createDirectories(dir.resolve("meta"));
        for (String f : List.of("ijbc_face_tid_mid.txt", "ijbc_name_5pts_score.txt", "ijbc_template_pair_label.txt")) {
            Files.copy(IjbFixture.dir().resolve("meta").resolve(f), dir.resolve("meta").resolve(f));
        }
        return dir;
    }

    private void editLine(String file, int line, UnaryOperator<String> edit) throws IOException {
        Path f = dir.resolve("meta").resolve(file);
        List<String> lines = new java.util.ArrayList<>(Files.readAllLines(f));
        lines.set(line - 1, edit.apply(lines.get(line - 1)));
        Files.write(f, lines);
    }

    private String error(boolean skipBad) {
        return assertThrows(IllegalArgumentException.class, () -> IjbMeta.read(dir, "IJBC", skipBad)).getMessage();
    }

    private String meta(String file) {
        return dir.resolve("meta").resolve(file).toString();
    }

    @Test
    void readsTheFixturesImagesTemplatesAndPairs() throws Exception {
        IjbMeta meta = IjbMeta.read(copyOfFixture(), "ijbc", false);

        assertEquals("IJBC", meta.target());
        assertEquals(165, meta.images());
        assertEquals(630, meta.pairs());
        assertEquals("1.jpg", meta.name(0));
        assertEquals(dir.resolve("loose_crop").resolve("1.jpg"), meta.imageFile(0));
        assertEquals(0, meta.skipped());
    }

    @Test
    void aMissingMetaFileIsNamed() throws Exception {
        copyOfFixture();
        Files.delete(dir.resolve("meta/ijbc_template_pair_label.txt"));

        assertTrue(error(false).contains(meta("ijbc_template_pair_label.txt") + " is missing"), error(false));
    }

    @Test
    void anUnknownTargetIsRefused() throws Exception {
        String message = assertThrows(IllegalArgumentException.class, () -> IjbMeta.read(copyOfFixture(), "IJBA", false)).getMessage();
        assertEquals("--target must be IJBC or IJBB, got 'IJBA'", message);
    }

    @Test
    void aTemplateLineWithTheWrongFieldCountIsNamedByFileAndLine() throws Exception {
        copyOfFixture();
        editLine("ijbc_face_tid_mid.txt", 9, l -> l + " 7");

        assertEquals(meta("ijbc_face_tid_mid.txt") + " line 9: expected 3 space-separated fields (image_name template_id media_id), got 4",
                error(false));
    }

    @Test
    void aLandmarkThatIsNotANumberIsNamed() throws Exception {
        copyOfFixture();
        editLine("ijbc_name_5pts_score.txt", 3, l -> l.replaceFirst(" [0-9.]+ ", " eye "));

        assertEquals(meta("ijbc_name_5pts_score.txt") + " line 3: x1 is 'eye', expected a number", error(false));
    }

    @Test
    void nanOrCollinearLandmarksAreNamedByFileAndLine() throws Exception {
        copyOfFixture();
        editLine("ijbc_name_5pts_score.txt", 4, l -> "4.jpg 10 10 20 20 30 30 40 40 50 50 0.9");
        assertTrue(error(false).startsWith(meta("ijbc_name_5pts_score.txt") + " line 4: the landmarks are collinear"), error(false));

        editLine("ijbc_name_5pts_score.txt", 4, l -> "4.jpg 10 10 20 nan 30 30 40 45 50 50 0.9");
        assertEquals(meta("ijbc_name_5pts_score.txt") + " line 4: landmark 2 is not a finite point (20.0, NaN)", error(false));
    }

    @Test
    void theTwoImageFilesMustListTheSameImages() throws Exception {
        copyOfFixture();
        editLine("ijbc_name_5pts_score.txt", 6, l -> "other.jpg" + l.substring(l.indexOf(' ')));

        assertEquals(meta("ijbc_name_5pts_score.txt") + " line 6 is image other.jpg but " + meta("ijbc_face_tid_mid.txt")
                + " line 6 is 6.jpg: the two files must list the same images in the same order", error(false));
    }

    @Test
    void aPairOfAnUnknownTemplateOrWithABadLabelIsNamed() throws Exception {
        copyOfFixture();
        editLine("ijbc_template_pair_label.txt", 2, l -> "99999 " + l.substring(l.indexOf(' ') + 1));
        assertEquals(meta("ijbc_template_pair_label.txt") + " line 2: template 99999 has no image in the face_tid_mid file", error(false));

        editLine("ijbc_template_pair_label.txt", 2, l -> "1 2 yes");
        assertEquals(meta("ijbc_template_pair_label.txt") + " line 2: the label must be 1 (same subject) or 0, got 'yes'", error(false));
    }

    @Test
    void withSkipBadBadImageLinesAreCountedAndBadPairLinesMarked() throws Exception {
        copyOfFixture();
        editLine("ijbc_name_5pts_score.txt", 4, l -> "4.jpg 10 10 20 20 30 30 40 40 50 50 0.9");
        editLine("ijbc_face_tid_mid.txt", 9, l -> l + " 7");
        editLine("ijbc_template_pair_label.txt", 2, l -> "1 2");

        IjbMeta meta = IjbMeta.read(dir, "IJBC", true);

        assertEquals(2, meta.skipped());
        assertTrue(meta.problem(3).contains("line 4: the landmarks are collinear"), meta.problem(3));
        assertEquals(IjbMeta.NO_TEMPLATE, meta.templates()[8], "a bad template line belongs to no template");
        assertTrue(meta.malformedPair(1));
        assertEquals(false, meta.malformedPair(0));
    }
}
