package org.plscj.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.plscj.data.DataConvert;
import org.plscj.progress.Progress;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code plsc data convert}: an image folder tree, PLSC's label.txt or MXNet RecordIO (or synthetic identities) into a PLSC base64 data
 * directory.
 */
@Command(
        name = "convert",
        mixinStandardHelpOptions = true,
        description = {
            "Converts images into a PLSC base64 data directory (image bytes copied as-is, never decoded).",
            "",
            "--from-folders ROOT: one sub-folder per class; classes are the folder names sorted, label = index,",
            "  images sorted by name within each class; writes labels.tsv (label<TAB>folder name) too. Entries",
            "  starting with '.' are skipped and counted; an empty class folder is an error.",
            "  --labels FILE keeps the labels of an earlier conversion: every name FILE lists keeps its label, new",
            "  folders get the labels after its highest (sorted), and FILE is rewritten (atomically) with them. A name",
            "  FILE lists without a folder, or a FILE with a label or name twice, is refused, naming the entry.",
            "--from-label-list FILE: PLSC's label.txt, lines 'relative/path.jpg LABEL' (paths relative to the",
            "  list's folder); blank lines are skipped.",
            "--from-recordio FILE.rec: insightface's MXNet RecordIO (MS1M, Glint360K), FILE.idx beside it. If",
            "  record 0 is a header with labels (a, b), images are records 1..a-1 (identity records skipped);",
            "  otherwise every record of the .idx is an image. Label = the IRHeader label.",
            "--from-generator --classes K --per-class M [--seed S] [--first-class F]: K·M synthetic face-like",
            "  JPEGs (112x112) of identities F..F+K-1 (labels 0..K-1), M random views each, identity-major;",
            "  held-out identities for verification are another range, e.g. --first-class 100000.",
            "Records are dealt round-robin over --files data files (part-00000 …) + file_list.txt. --out appears",
            "complete or not at all (built in a temporary sibling, then renamed) and must not exist yet.",
            "",
            "  plsc data convert --from-folders photos --out train",
            "  cp train/labels.tsv identities.tsv   # one labels file for the growing collection",
            "  plsc data convert --from-folders photos --labels identities.tsv --out train-v2",
            "  plsc data convert --from-label-list data/label.txt --out train --files 8",
            "  plsc data convert --from-recordio faces_emore/train.rec --out train --files 16",
            "  plsc data convert --from-generator --classes 1000 --per-class 20 --out synth --files 4"
        })
final class DataConvertCommand implements Callable<Integer> {
    static final class Source {
        @Option(names = "--from-folders", paramLabel = "ROOT", required = true,
                description = "An image folder tree, one sub-folder per class.")
        Path folders;

        @Option(names = "--from-label-list", paramLabel = "FILE", required = true,
                description = "PLSC's label.txt: lines 'relative/path LABEL'.")
        Path labelList;

        @Option(names = "--from-recordio", paramLabel = "FILE.rec", required = true,
                description = "insightface's MXNet RecordIO train.rec (train.idx beside it).")
        Path recordIo;

        @Option(names = "--from-generator", required = true,
                description = "Synthetic face-like identities (IdentityGenerator); needs --classes and --per-class.")
        boolean generator;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @Option(names = "--classes", paramLabel = "K", description = "--from-generator: identities K.")
    Integer classes;

    @Option(names = "--per-class", paramLabel = "M", description = "--from-generator: views per identity M.")
    Integer perClass;

    @Option(names = "--seed", defaultValue = "0", description = "--from-generator: seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--first-class", paramLabel = "F", defaultValue = "0",
            description = "--from-generator: first identity F (default ${DEFAULT-VALUE}); labels are 0..K-1.")
    long firstClass;

    @Option(names = "--labels", paramLabel = "FILE",
            description = "--from-folders: the labels.tsv of an earlier conversion; known names keep their labels, new ones are"
                    + " appended and FILE is rewritten with them.")
    Path labels;

    @Option(names = "--out", required = true, description = "The output directory; must not exist.")
    Path outDir;

    @Option(names = "--files", defaultValue = "1", description = "Data files N (default ${DEFAULT-VALUE}).")
    int files;

    @Mixin
    ProgressOptions progress;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        if (!source.generator && (classes != null || perClass != null)) {
            throw new IllegalArgumentException("--classes and --per-class go with --from-generator only");
        }
        if (labels != null && source.folders == null) {
            throw new IllegalArgumentException("--labels goes with --from-folders only (the other sources carry numeric labels)");
        }
        if (source.generator && (classes == null || perClass == null)) {
            throw new IllegalArgumentException("--from-generator needs --classes and --per-class");
        }
        Progress shown = progress.progress();
        DataConvert.Result r = source.generator
                ? DataConvert.fromGenerator(classes, perClass, seed, firstClass, outDir, files, shown)
                : source.folders != null
                ? DataConvert.fromFolders(source.folders, outDir, files, labels, shown)
                : source.labelList != null
                ? DataConvert.fromLabelList(source.labelList, outDir, files, shown)
                : DataConvert.fromRecordIo(source.recordIo, outDir, files, shown);
        out.printf("convert: %d images, %d classes → %d file(s) in %s; %d hidden file(s) skipped%n",
                r.images(), r.classes(), r.files(), outDir, r.skippedHidden());
        return 0;
    }
}
