package org.plscj.checkpoint;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/** File names inside one checkpoint directory; one place so saving and loading cannot drift apart. */
public final class CheckpointLayout {
    static final String BACKBONE = "backbone.pt";
    static final String OPTIMIZER = "optimizer.pt";
    /** The classes' names ({@link org.plscj.labels.LabelMap}), when the training data had them; copied on reshard. */
    static final String LABELS = org.plscj.labels.LabelMap.FILE;
    public static final String DIRECTORY_PREFIX = "step-";
    private static final String PARTIAL_SUFFIX = ".partial";
    private static final Pattern PLAIN_NAME = Pattern.compile("[A-Za-z0-9._-]+");

    private CheckpointLayout() {}

    /** Rank r's head shard, e.g. {@code head-rank-1-of-4.pt}: W rows, momentum, bias, and the class range. */
    static String headShard(int rank, int worldSize) {
        return "head-rank-" + rank + "-of-" + worldSize + ".pt";
    }

    /** {@code step-00001200}: names sort by step. */
    static String directoryName(long step) {
        return String.format("%s%08d", DIRECTORY_PREFIX, step);
    }

    /**
     * A file name a manifest or a remote listing gives must name a file directly inside its directory: letters,
     * digits, '.', '_' and '-' only, and not "." or "..", so that nothing outside it is ever read, hashed or written.
     *
     * @throws CheckpointException naming {@code source} and the offending name
     */
    public static String requirePlainName(String name, Object source) {
        if (name == null || !PLAIN_NAME.matcher(name).matches() || name.equals(".") || name.equals("..")) {
            throw new CheckpointException(source + " names the file '" + name + "', which is not a plain file name"
                    + " ([A-Za-z0-9._-]+); refusing to read or write outside the checkpoint");
        }
        return name;
    }

    /** Where a save is written before it becomes visible; a dot name, never mistaken for a checkpoint. */
    public static Path partial(Path root, long step) {
        return partial(root.resolve(directoryName(step)));
    }

    /** The partial directory of any checkpoint directory, beside it: {@code dir/../.NAME.partial}. */
    public static Path partial(Path checkpoint) {
        return checkpoint.resolveSibling("." + checkpoint.getFileName() + PARTIAL_SUFFIX);
    }

    static boolean isPartial(Path dir) {
        String name = dir.getFileName().toString();
        return name.startsWith(".") && name.endsWith(PARTIAL_SUFFIX) && Files.isDirectory(dir);
    }

    /** Whether {@code name} is a head shard file of any world size. */
    static boolean isHeadShard(String name) {
        return name.matches("head-rank-\\d+-of-\\d+\\.pt");
    }
}
