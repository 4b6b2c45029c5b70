package org.plscj.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.plscj.io.AtomicDirectory;
import org.plscj.labels.LabelMap;
import org.plscj.progress.Progress;

/**
 * Converts plain image inputs into a PLSC base64 data directory: an image folder tree (one
 * sub-folder per class), PLSC's plain {@code label.txt} list ({@code relative/path.jpg LABEL}) or
 * insightface's MXNet RecordIO ({@code train.rec} + {@code train.idx}).
 * Image bytes are copied as-is (never decoded), the records dealt round-robin over {@code part-00000 …}
 * in a deterministic order, and the directory appears complete or not at all (built in a temporary
 * sibling, then renamed); it must not exist yet.
 */
public final class DataConvert {
    /** The class-name map written by a folder conversion: {@code label<TAB>folder name} per line ({@link LabelMap}). */
    public static final String LABELS_TSV = LabelMap.FILE;

    /** What a conversion did: images written, classes, data files written, hidden entries skipped. */
    public record Result(long images, int classes, int files, long skippedHidden) {}

    private record Item(Path image, int label) {}

    /** The records to write, read one at a time in conversion order. */
    private interface Source {
        int size();

        /** Record {@code i}'s image bytes; {@link #label} is called after it. */
        byte[] image(int i) throws IOException;

        int label(int i);
    }

    private DataConvert() {}

    /**
     * Converts the folder tree {@code root}: classes are its sub-folders sorted by name (label = index),
     * each holding image files (sorted by name). Entries whose names start with '.' are skipped and counted.
     */
    public static Result fromFolders(Path root, Path out, int files) throws IOException {
        return fromFolders(root, out, files, null);
    }

    /**
     * As above, but with {@code knownLabels} (a {@link LabelMap#FILE} from an earlier conversion, or null): every name
     * it lists keeps its label, folders it lacks get the labels after its highest (in sorted order), and the extended
     * map is written back to it atomically once the data directory is complete. A name it lists without a folder is
     * refused, naming the file and the entry.
     */
    public static Result fromFolders(Path root, Path out, int files, Path knownLabels) throws IOException {
        return fromFolders(root, out, files, knownLabels, Progress.quiet());
    }

    /** As above, reporting the images written to {@code progress}. */
    public static Result fromFolders(Path root, Path out, int files, Path knownLabels, Progress progress) throws IOException {
        checkFiles(files);
        if (!Files.isDirectory(root)) {
            throw new IllegalArgumentException(root + " is not a folder");
        }
        long[] hidden = {0};
        List<Path> classDirs = new ArrayList<>();
        for (Path entry : sortedEntries(root)) {
            if (isHidden(entry)) {
                hidden[0]++;
            } else if (Files.isDirectory(entry)) {
                classDirs.add(entry);
            } else {
                throw new IllegalArgumentException(entry + " is not a folder: every entry of " + root
                        + " must be a class folder");
            }
        }
        if (classDirs.isEmpty()) {
            throw new IllegalArgumentException(root + " holds no class folder");
        }
        List<String> names = new ArrayList<>();
        for (Path classDir : classDirs) {
            String name = classDir.getFileName().toString();
            if (name.contains("\t") || name.contains("\n") || name.contains("\r")) {
                throw new IllegalArgumentException("class folder name " + classDir
                        + " contains a tab or line break, which " + LABELS_TSV + " cannot hold");
            }
            names.add(name);
        }
        LabelMap labels = knownLabels == null ? LabelMap.numbered(names, root.toString())
                : LabelMap.read(knownLabels).extendedWith(names, true);
        List<Item> items = new ArrayList<>();
        for (Path classDir : classDirs) {
            int label = labels.label(classDir.getFileName().toString()).orElseThrow();
            int before = items.size();
            for (Path entry : sortedEntries(classDir)) {
                if (isHidden(entry)) {
                    hidden[0]++;
                } else if (Files.isRegularFile(entry)) {
                    items.add(new Item(entry, label));
                } else {
                    throw new IllegalArgumentException(entry + " is not a regular file: class folders hold images only");
                }
            }
            if (items.size() == before) {
                throw new IllegalArgumentException("class folder " + classDir + " holds no image");
            }
        }
        int written = write(items, out, files, labels, progress);
        if (knownLabels != null) {
            // why after the data: a failed conversion leaves the labels file as it was
            labels.write(knownLabels);
        }
        return new Result(items.size(), classDirs.size(), written, hidden[0]);
    }

    /**
     * Converts PLSC's plain list {@code list}: lines {@code relative/path LABEL} (whitespace-separated,
     * paths relative to the list's folder); blank lines are skipped. Classes are the distinct labels.
     */
    public static Result fromLabelList(Path list, Path out, int files) throws IOException {
        return fromLabelList(list, out, files, Progress.quiet());
    }

    /** As above, reporting the images written to {@code progress}. */
    public static Result fromLabelList(Path list, Path out, int files, Progress progress) throws IOException {
        checkFiles(files);
        if (!Files.isRegularFile(list)) {
            throw new IllegalArgumentException(list + " is not a file");
        }
        Path base = list.toAbsolutePath().getParent();
        List<String> lines = Files.readAllLines(list, StandardCharsets.UTF_8);
        List<Item> items = new ArrayList<>();
        TreeSet<Integer> classes = new TreeSet<>();
        for (int i = 0; i < lines.size(); i++) {
            String text = lines.get(i).strip();
            if (text.isEmpty()) {
                continue;
            }
            String where = list + " line " + (i + 1) + ": ";
            String[] fields = text.split("\\s+");
            if (fields.length != 2) {
                throw new IllegalArgumentException(where + "expected 2 fields 'path label', found " + fields.length);
            }
            int label = LabelMap.parseLabel(fields[1], where);
            Path image = base.resolve(fields[0]);
            if (!Files.isRegularFile(image)) {
                throw new IllegalArgumentException(where + "image " + fields[0] + " does not exist (" + image + ")");
            }
            items.add(new Item(image, label));
            classes.add(label);
        }
        if (items.isEmpty()) {
            throw new IllegalArgumentException(list + " names no image");
        }
        int written = write(items, out, files, null, progress);
        return new Result(items.size(), classes.size(), written, 0);
    }

    /**
     * Converts insightface's MXNet RecordIO {@code rec} ({@code train.rec} with {@code train.idx} beside it):
     * images are records 1 .. a-1 when record 0 is a header with labels (a, b), else every record of the
     * {@code .idx}; label = the record's IRHeader label, which must be a non-negative integer value. Records
     * are read one at a time; the {@code .rec} is never loaded whole. See {@link RecordIo}.
     */
    public static Result fromRecordIo(Path rec, Path out, int files) throws IOException {
        return fromRecordIo(rec, out, files, Progress.quiet());
    }

    /** As above, reporting the images written to {@code progress}. */
    public static Result fromRecordIo(Path rec, Path out, int files, Progress progress) throws IOException {
        checkFiles(files);
        try (RecordIo io = RecordIo.open(rec)) {
            long[] keys = io.imageKeys();
            if (keys.length == 0) {
                throw new PlscFormatException(rec + " holds no image");
            }
            java.util.BitSet classes = new java.util.BitSet();
            int[] last = {0};
            int written = write(new Source() {
                @Override
                public int size() {
                    return keys.length;
                }

                @Override
                public byte[] image(int i) throws IOException {
                    RecordIo.Image image = io.read(keys[i]);
                    last[0] = image.classLabel(rec + " record " + keys[i]);
                    classes.set(last[0]);
                    return image.image();
                }

                @Override
                public int label(int i) {
                    return last[0];
                }
            }, out, files, null, progress);
            return new Result(keys.length, classes.cardinality(), written, 0);
        }
    }

    /**
     * Writes {@code classes}·{@code perClass} synthetic face-like images from {@link IdentityGenerator}
     * ({@code seed}): identities {@code firstClass} .. {@code firstClass + classes - 1} with labels
     * 0 .. {@code classes - 1}, views 0 .. {@code perClass - 1}, records ordered identity-major.
     */
    public static Result fromGenerator(int classes, int perClass, long seed, long firstClass, Path out, int files)
            throws IOException {
        return fromGenerator(classes, perClass, seed, firstClass, out, files, Progress.quiet());
    }

    /** As above, reporting the images written to {@code progress}. */
    public static Result fromGenerator(int classes, int perClass, long seed, long firstClass, Path out, int files, Progress progress)
            throws IOException {
        checkFiles(files);
        if (classes < 1) {
            throw new IllegalArgumentException("--classes must be at least 1, not " + classes);
        }
        if (perClass < 1) {
            throw new IllegalArgumentException("--per-class must be at least 1, not " + perClass);
        }
        if (firstClass < 0) {
            throw new IllegalArgumentException("--first-class must be non-negative, not " + firstClass);
        }
        long total = (long) classes * perClass;
        if (total > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("--classes × --per-class = " + total + " is too many images");
        }
        IdentityGenerator generator = new IdentityGenerator(seed);
        int written = write(new Source() {
            // why chunks rendered in parallel: drawing and JPEG-encoding a view costs ~3 ms, the rest of the
            // conversion almost nothing; the generator is thread-safe and the output order stays i = 0, 1, …
            private static final int CHUNK = 256;
            private byte[][] chunk = new byte[0][];
            private int chunkStart;

            @Override
            public int size() {
                return (int) total;
            }

            @Override
            public byte[] image(int i) {
                if (i < chunkStart || i >= chunkStart + chunk.length) {
                    chunkStart = i;
                    chunk = java.util.stream.IntStream.range(i, (int) Math.min(total, (long) i + CHUNK)).parallel()
                            .mapToObj(k -> generator.sample(firstClass + k / perClass, k % perClass)).toArray(byte[][]::new);
                }
                return chunk[i - chunkStart];
            }

            @Override
            public int label(int i) {
                return i / perClass;
            }
        }, out, files, null, progress);
        return new Result(total, classes, written, 0);
    }

    private static void checkFiles(int files) {
        if (files < 1) {
            throw new IllegalArgumentException("--files must be at least 1, not " + files);
        }
    }

    private static boolean isHidden(Path p) {
        return p.getFileName().toString().startsWith(".");
    }

    private static List<Path> sortedEntries(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString())).toList();
        }
    }

    /** Deals {@code items} round-robin over the data files, then writes labels.tsv (if any) and the file list. */
    private static int write(List<Item> items, Path out, int files, LabelMap labels, Progress progress) throws IOException {
        return write(new Source() {
            @Override
            public int size() {
                return items.size();
            }

            @Override
            public byte[] image(int i) throws IOException {
                return Files.readAllBytes(items.get(i).image());
            }

            @Override
            public int label(int i) {
                return items.get(i).label();
            }
        }, out, files, labels, progress);
    }

    private static int write(Source items, Path out, int files, LabelMap labels, Progress progress) throws IOException {
        if (files > items.size()) {
            throw new IllegalArgumentException(String.format(
                    "--files %d exceeds the %d image(s): some data files would be empty", files, items.size()));
        }
        try (AtomicDirectory target = AtomicDirectory.begin(out)) {
            List<SyncedFile> parts = new ArrayList<>();
            List<String> names = new ArrayList<>();
            try (Progress.Task task = progress.start("convert", items.size(), Progress.Unit.IMAGES)) {
                for (int f = 0; f < files; f++) {
                    names.add(String.format("part-%05d", f));
                    parts.add(SyncedFile.create(target.path().resolve(names.get(f))));
                }
                for (int i = 0; i < items.size(); i++) {
                    byte[] image = items.image(i);
                    parts.get(i % files).writeLine(PlscRecord.format(image, items.label(i)));
                    task.advance(1);
                }
            } finally {
                for (SyncedFile part : parts) {
                    part.close();
                }
            }
            if (labels != null) {
                labels.write(target.path().resolve(LABELS_TSV));
            }
            PlscWriter.writeFileList(target.path(), names);
            target.commit();
        }
        return files;
    }
}
