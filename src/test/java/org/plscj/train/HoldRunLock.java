package org.plscj.train;

import java.nio.file.Path;

/** A process that holds a model_save_dir's run lock until it is killed: {@code HoldRunLock <dir>}. */
public final class HoldRunLock {
    private HoldRunLock() {}

    public static void main(String[] args) throws Exception {
        try (RunLock lock = RunLock.acquire(Path.of(args[0]), System.out)) {
            System.out.println("locked");
            System.out.flush();
            Thread.sleep(Long.MAX_VALUE);
        }
    }
}
