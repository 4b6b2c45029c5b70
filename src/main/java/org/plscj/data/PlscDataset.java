package org.plscj.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntPredicate;
import org.plscj.progress.Progress;

/**
 * A PLSC base64 data directory: {@code file_list.txt} names the data files (one per line, relative
 * to the directory) whose lines are {@code <base64 image>\t<label>}. Opening checks the structure;
 * {@link #scan} streams the records one line at a time, so a dataset of any size reads in constant memory.
 */
public final class PlscDataset {
    /** The name of the list of data files, as PLSC spells it. */
    public static final String FILE_LIST = "file_list.txt";

    private final Path dir;
    private final List<Path> files;

    private PlscDataset(Path dir, List<Path> files) {
        this.dir = dir;
        this.files = files;
    }

    /**
     * How to read records: {@code numClasses ≤ 0} means unknown; {@code skipBad} skips and counts bad records;
     * a line longer than {@code maxLineBytes} is a bad record (never buffered whole).
     */
    public record ReadOptions(int numClasses, boolean skipBad, int maxLineBytes) {
        /** With the default line length limit, 64 MiB. */
        public ReadOptions(int numClasses, boolean skipBad) {
            this(numClasses, skipBad, LineScanner.DEFAULT_MAX_LINE_BYTES);
        }

        /** Strict reading with no known class count. */
        public static ReadOptions strict() {
            return new ReadOptions(0, false);
        }
    }

    /** Receives each valid record together with its line exactly as stored (for bit-exact copies). */
    @FunctionalInterface
    public interface RecordVisitor {
        void accept(PlscRecord record, String text) throws IOException;
    }

    /**
     * Opens {@code dir}, checking that the file list exists and is not empty and that every data
     * file it names exists and is not empty. Blank lines of the file list are ignored.
     */
    public static PlscDataset open(Path dir) throws IOException {
        return new PlscDataset(dir, listedFiles(dir, i -> true));
    }

    /**
     * The data files {@code dir}'s file list names, in order, checking that those at the positions {@code checked}
     * accepts exist and are not empty (a worker that reads one file of many needs only that one: a machine may hold
     * only its workers' files).
     */
    public static List<Path> listedFiles(Path dir, IntPredicate checked) throws IOException {
        Path list = dir.resolve(FILE_LIST);
        if (!Files.isRegularFile(list)) {
            throw new PlscFormatException(dir + " is not a PLSC data directory: it has no " + FILE_LIST);
        }
        List<Path> files = new ArrayList<>();
        List<String> lines = Files.readAllLines(list, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String name = lines.get(i).strip();
            if (name.isEmpty()) {
                continue;
            }
            Path file = dir.resolve(name);
            if (!checked.test(files.size())) {
                files.add(file);
                continue;
            }
            if (!Files.isRegularFile(file)) {
                throw new PlscFormatException(list + " line " + (i + 1) + ": names " + name + ", which does not exist");
            }
            if (Files.size(file) == 0) {
                throw new PlscFormatException(file + " (" + list + " line " + (i + 1) + ") is an empty data file");
            }
            files.add(file);
        }
        if (files.isEmpty()) {
            throw new PlscFormatException(list + " names no data file");
        }
        return List.copyOf(files);
    }

    /** The directory. */
    public Path dir() {
        return dir;
    }

    /** The data files, in file-list order. */
    public List<Path> files() {
        return files;
    }

    /** The summed size of the data files in bytes: what an external sort must budget for. */
    public long totalBytes() throws IOException {
        long total = 0;
        for (Path file : files) {
            total += Files.size(file);
        }
        return total;
    }

    /**
     * Streams every record of every data file to {@code visitor}, in order.
     *
     * @return the bad records skipped (always none without skip-bad)
     * @throws PlscFormatException at the first bad record unless {@code options.skipBad()}
     */
    public BadRecords scan(ReadOptions options, RecordVisitor visitor) throws IOException {
        return scan(options, visitor, Progress.quiet(), "scan");
    }

    /** As above, reporting the bytes read to {@code progress} as a task named {@code task}. */
    public BadRecords scan(ReadOptions options, RecordVisitor visitor, Progress progress, String task) throws IOException {
        BadRecords bad = new BadRecords();
        try (Progress.Task read = progress.start(task, totalBytes(), Progress.Unit.BYTES)) {
            long before = 0;
            for (Path file : files) {
                String name = file.toString();
                long fileStart = before;
                LineScanner.scanRecords(file, options.maxLineBytes(), options.skipBad(), bad, (buf, start, end, lineNo, offset) -> {
                    visitor.accept(PlscRecord.parse(buf, start, end, name, lineNo, options.numClasses()),
                            new String(buf, start, end - start, StandardCharsets.UTF_8));
                    read.advanceTo(fileStart + offset + end - start);
                });
                before += Files.size(file);
                read.advanceTo(before);
            }
        }
        return bad;
    }
}
