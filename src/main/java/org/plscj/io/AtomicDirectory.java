package org.plscj.io;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Builds a directory atomically: everything goes into a temporary sibling {@code TARGET.tmp-<random>}
 * that {@link #commit} renames to the target, so a crash leaves either no target or a complete one.
 * Closing without a commit deletes the temporary directory.
 */
public final class AtomicDirectory implements AutoCloseable {
    private final Path target;
    private final Path temp;
    private boolean committed;

    private AtomicDirectory(Path target, Path temp) {
        this.target = target;
        this.temp = temp;
    }

    /** Starts building {@code target}; refuses one that already exists. */
    public static AtomicDirectory begin(Path target) throws IOException {
        Path absolute = target.toAbsolutePath().normalize();
        refuseExisting(absolute);
        Files.createDirectories(absolute.getParent());
        String suffix = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
        Path temp = absolute.resolveSibling(absolute.getFileName() + ".tmp-" + suffix);
        Files.createDirectory(temp);
        return new AtomicDirectory(absolute, temp);
    }

    /** The temporary directory to write into. */
    public Path path() {
        return temp;
    }

    /** Renames the temporary directory to the target, forcing both directories' entries to disk. */
    public void commit() throws IOException {
        FileTrees.force(temp);
        // rename(2) would silently replace an empty directory created meanwhile: check once more.
        refuseExisting(target);
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException e) {
            refuseExisting(target);
            throw e;
        }
        committed = true;
        FileTrees.force(target.getParent());
    }

    @Override
    public void close() throws IOException {
        if (!committed && Files.exists(temp)) {
            FileTrees.deleteRecursively(temp);
        }
    }

    private static void refuseExisting(Path target) {
        if (Files.exists(target)) {
            throw new IllegalArgumentException(target + " already exists; remove it or choose another --out");
        }
    }

}
