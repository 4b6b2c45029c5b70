package org.plscj.labels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LabelMapTest {
    @TempDir
    Path tmp;

    private LabelMapException refused(String text) throws IOException {
        Path file = Files.writeString(tmp.resolve("labels.tsv"), text);
        return assertThrows(LabelMapException.class, () -> LabelMap.read(file));
    }

    private static void assertMentions(Exception e, String... parts) {
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "'" + part + "' missing from: " + e.getMessage());
        }
    }

    @Test
    void readsWhatItWritesWithCrlfAndBlankLinesTolerated() throws IOException {
        Path file = Files.writeString(tmp.resolve("in.tsv"), "2\tcarol smith\r\n\n0\tbob\n1\tdan");
        LabelMap map = LabelMap.read(file);
        assertEquals(Map.of(0, "bob", 1, "dan", 2, "carol smith"), map.entries());
        map.write(tmp.resolve("out.tsv"));
        assertEquals("0\tbob\n1\tdan\n2\tcarol smith\n", Files.readString(tmp.resolve("out.tsv")));
        assertEquals(map, LabelMap.read(tmp.resolve("out.tsv")));
    }

    @Test
    void duplicateNamesAndLabelsAreRefusedNamingBothLines() throws IOException {
        assertMentions(refused("0\tbob\n1\tdan\n1\teve\n"), "line 3", "label 1 ('eve')", "'dan' on line 2");
        assertMentions(refused("0\tbob\n1\tdan\n2\tbob\n"), "line 3", "name 'bob' (label 2) already has label 0 on line 1");
    }

    @Test
    void malformedLinesAreRefusedNamingTheLine() throws IOException {
        assertMentions(refused("0\tbob\nx7\tdan\n"), "line 2", "label 'x7' is not a non-negative integer");
        assertMentions(refused("0 bob\n"), "line 1", "expected 'label<TAB>name'");
        assertMentions(refused("0\tbob\t1\n"), "line 1", "expected 'label<TAB>name'");
        assertMentions(refused("0\t\n"), "line 1", "empty name");
        assertMentions(refused("99999999999\tbob\n"), "too large");
        assertMentions(refused("0\t" + "x".repeat(LabelMap.MAX_LINE_CHARS) + "\n"), "line 1", "longer than");
    }

    @Test
    void extendingKeepsEveryKnownLabelAndAppendsAfterTheHighest() {
        LabelMap map = LabelMap.numbered(List.of("bob", "dan"), "v1");
        LabelMap grown = map.extendedWith(List.of("alice", "bob", "carol", "dan"), true);
        assertEquals(Map.of(0, "bob", 1, "dan", 2, "alice", 3, "carol"), grown.entries());
        map.checkKeptBy(grown);
    }

    @Test
    void aRenumberedMapIsRefusedNamingTheLabelAndBothNames() {
        LabelMap saved = LabelMap.numbered(List.of("bob", "dan"), "checkpoint/labels.tsv");
        LabelMap renumbered = LabelMap.numbered(List.of("alice", "bob", "dan"), "data/labels.tsv");
        assertMentions(assertThrows(LabelMapException.class, () -> saved.checkKeptBy(renumbered)),
                "data/labels.tsv gives label 0 to 'alice'", "checkpoint/labels.tsv gives it to 'bob' (now label 1)");
    }

    @Test
    void aMapNamingMoreClassesThanTheModelHasIsRefused() {
        LabelMap map = LabelMap.numbered(List.of("a", "b", "c"), "bundle/labels.tsv");
        map.checkFits(3, "the bundle");
        assertMentions(assertThrows(LabelMapException.class, () -> map.checkFits(2, "checkpoint step-5")),
                "bundle/labels.tsv names label 2 ('c')", "checkpoint step-5 has 2 classes");
    }
}
