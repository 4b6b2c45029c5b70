package org.plscj.labels;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import org.plscj.io.AtomicFile;

/**
 * Which name each class label stands for: {@code labels.tsv}, one {@code label<TAB>name} line per class, labels
 * non-negative integers, no label and no name twice. A map only ever grows: {@link #extendedWith} keeps every known
 * name's label and appends new names after the highest, so adding an identity never renumbers the others (and the
 * head rows, centres and galleries that depend on those numbers stay valid).
 *
 * <p>Memory: two hash entries per class (about 100 bytes plus the name; ~50 MB for Glint360K's 360k identities).
 */
public final class LabelMap {
    /** The file name a map has beside the data, the checkpoint or the bundle it describes. */
    public static final String FILE = "labels.tsv";
    /** Longer lines are refused rather than read: a name is a folder name (at most 255 bytes on common file systems). */
    static final int MAX_LINE_CHARS = 4096;

    private final String source;
    private final TreeMap<Integer, String> byLabel;
    private final Map<String, Integer> byName;

    private LabelMap(String source, TreeMap<Integer, String> byLabel) {
        this.source = source;
        this.byLabel = byLabel;
        this.byName = new HashMap<>(byLabel.size() * 2);
        byLabel.forEach((label, name) -> byName.put(name, label));
    }

    /** Labels 0, 1, … for {@code names} in the given order; {@code source} names them in messages. */
    public static LabelMap numbered(List<String> names, String source) {
        return new LabelMap(source, new TreeMap<>()).extendedWith(names, false);
    }

    /**
     * Reads and checks {@code file}: every line {@code label<TAB>name} (blank lines skipped, a trailing CR dropped), the
     * label a non-negative integer, no label or name twice.
     *
     * @throws LabelMapException naming the file, the line and the entry at the first fault
     */
    public static LabelMap read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new LabelMapException(file + " is not a labels file (it does not exist or is not a regular file)");
        }
        TreeMap<Integer, String> byLabel = new TreeMap<>();
        Map<String, Integer> lineOfName = new HashMap<>();
        Map<String, Integer> labelOfName = new HashMap<>();
        Map<Integer, Integer> lineOfLabel = new HashMap<>();
        try (Reader in = new BufferedReader(Files.newBufferedReader(file, StandardCharsets.UTF_8))) {
            StringBuilder line = new StringBuilder();
            int lineNo = 0;
            boolean more = true;
            while (more) {
                more = readLine(in, line, file, lineNo + 1);
                lineNo++;
                if (line.length() > 0 && line.charAt(line.length() - 1) == '\r') {
                    line.setLength(line.length() - 1);
                }
                if (line.toString().isBlank()) {
                    continue;
                }
                String where = file + " line " + lineNo + ": ";
                int tab = line.indexOf("\t");
                if (tab < 0 || line.indexOf("\t", tab + 1) >= 0) {
                    throw new LabelMapException(where + "expected 'label<TAB>name', found '" + line + "'");
                }
                int label = parseLabel(line.substring(0, tab), where);
                String name = line.substring(tab + 1);
                if (name.isEmpty()) {
                    throw new LabelMapException(where + "label " + label + " has an empty name");
                }
                Integer otherLine = lineOfLabel.putIfAbsent(label, lineNo);
                if (otherLine != null) {
                    throw new LabelMapException(where + "label " + label + " ('" + name + "') is also given to '" + byLabel.get(label)
                            + "' on line " + otherLine + ": each label names one class");
                }
                otherLine = lineOfName.putIfAbsent(name, lineNo);
                if (otherLine != null) {
                    throw new LabelMapException(where + "name '" + name + "' (label " + label + ") already has label "
                            + labelOfName.get(name) + " on line " + otherLine + ": each name has one label");
                }
                byLabel.put(label, name);
                labelOfName.put(name, label);
            }
        }
        return new LabelMap(file.toString(), byLabel);
    }

    /** The map in {@code file}, or empty when there is no such file. */
    public static Optional<LabelMap> readIfPresent(Path file) throws IOException {
        return Files.exists(file) ? Optional.of(read(file)) : Optional.empty();
    }

    /**
     * This map with {@code names} that it lacks appended after its highest label, in the order given; every known
     * name keeps its label.
     *
     * @param complete whether {@code names} must include every name of this map (a folder tree converted again:
     *                 a known name missing from it is refused, naming the entry, instead of silently dropped)
     */
    public LabelMap extendedWith(Collection<String> names, boolean complete) {
        LinkedHashSet<String> given = new LinkedHashSet<>(names);
        if (complete) {
            List<String> missing = new ArrayList<>();
            byLabel.forEach((label, name) -> {
                if (!given.contains(name)) {
                    missing.add(label + " '" + name + "'");
                }
            });
            if (!missing.isEmpty()) {
                throw new LabelMapException(source + " names " + missing.size() + " class(es) the input lacks: " + summary(missing)
                        + "; their labels would silently lose their meaning. Restore the folders, or edit the labels file"
                        + " knowing that checkpoints and galleries using those labels no longer match");
            }
        }
        TreeMap<Integer, String> out = new TreeMap<>(byLabel);
        int next = byLabel.isEmpty() ? 0 : byLabel.lastKey() + 1;
        for (String name : given) {
            if (!byName.containsKey(name)) {
                out.put(next++, name);
            }
        }
        return new LabelMap(source, out);
    }

    /** Writes the map atomically (a temporary file renamed over {@code file}), labels ascending. */
    public void write(Path file) throws IOException {
        AtomicFile.write(file, out -> {
            StringBuilder text = new StringBuilder();
            byLabel.forEach((label, name) -> text.append(label).append('\t').append(name).append('\n'));
            out.write(text.toString().getBytes(StandardCharsets.UTF_8));
        });
    }

    /**
     * Refuses a map naming a class outside [0, {@code numClasses}) of {@code owner} (a checkpoint's or bundle's
     * class count): the map then belongs to another model.
     */
    public LabelMap checkFits(long numClasses, String owner) {
        if (!byLabel.isEmpty() && byLabel.lastKey() >= numClasses) {
            int label = byLabel.lastKey();
            throw new LabelMapException(source + " names label " + label + " ('" + byLabel.get(label) + "') but " + owner + " has "
                    + numClasses + " classes (labels 0.." + (numClasses - 1) + "): the labels file belongs to another model");
        }
        return this;
    }

    /**
     * Refuses {@code later} (the map of the data a model is trained on further) unless it keeps every entry of this
     * one: the same name on the same label. New names after them are fine (the class set grew).
     */
    public void checkKeptBy(LabelMap later) {
        for (Map.Entry<Integer, String> e : byLabel.entrySet()) {
            String now = later.byLabel.get(e.getKey());
            if (!e.getValue().equals(now)) {
                Integer moved = later.byName.get(e.getValue());
                throw new LabelMapException(later.source + " gives label " + e.getKey() + (now == null ? " to no class" : " to '" + now + "'")
                        + " but " + source + " gives it to '" + e.getValue() + "'"
                        + (moved == null ? "" : " (now label " + moved + ")")
                        + ": the data was renumbered; convert it again with --labels " + source + " to keep the labels");
            }
        }
    }

    /** The name of {@code label}, if the map has it. */
    public Optional<String> name(long label) {
        return label < 0 || label > Integer.MAX_VALUE ? Optional.empty() : Optional.ofNullable(byLabel.get((int) label));
    }

    /** The label of {@code name}, if the map has it. */
    public OptionalInt label(String name) {
        Integer label = byName.get(name);
        return label == null ? OptionalInt.empty() : OptionalInt.of(label);
    }

    /** Classes named. */
    public int size() {
        return byLabel.size();
    }

    /** Label → name, ascending. */
    public Map<Integer, String> entries() {
        return Collections.unmodifiableMap(byLabel);
    }

    /** Where the map came from (a file path), for messages. */
    public String source() {
        return source;
    }

    /** The same entries, reported as coming from {@code newSource} (e.g. once written there). */
    public LabelMap from(String newSource) {
        return new LabelMap(newSource, byLabel);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LabelMap m && m.byLabel.equals(byLabel);
    }

    @Override
    public int hashCode() {
        return byLabel.hashCode();
    }

    @Override
    public String toString() {
        return source + " (" + byLabel.size() + " classes)";
    }

    private static String summary(List<String> entries) {
        return entries.size() <= 5 ? String.join(", ", entries) : String.join(", ", entries.subList(0, 5)) + ", …";
    }

    /**
     * A class label written as text: a non-negative decimal integer that fits an int.
     *
     * @param where the file and line, prefixed to the message
     * @throws LabelMapException otherwise, naming {@code where} and the text
     */
    public static int parseLabel(String text, String where) {
        if (!text.matches("[0-9]+")) {
            throw new LabelMapException(where + "label '" + text + "' is not a non-negative integer");
        }
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new LabelMapException(where + "label '" + text + "' is too large");
        }
    }

    /** Reads up to the next '\n' into {@code line}; false at the end of the file. */
    private static boolean readLine(Reader in, StringBuilder line, Path file, int lineNo) throws IOException {
        line.setLength(0);
        for (int c = in.read(); c != -1; c = in.read()) {
            if (c == '\n') {
                return true;
            }
            if (line.length() == MAX_LINE_CHARS) {
                throw new LabelMapException(file + " line " + lineNo + ": longer than " + MAX_LINE_CHARS
                        + " characters; a labels line is 'label<TAB>name'");
            }
            line.append((char) c);
        }
        return false;
    }
}
