package org.plscj.testing;

import java.nio.file.Path;
import org.plscj.checkpoint.SaveListener;

/**
 * Lets a crash test kill a run inside a save deterministically: with {@value #VARIABLE}{@code =<millis>[@<step>]} in
 * a worker's environment, the publishing worker prints a line and sleeps after every file is written but before the
 * manifest (only in the save of {@code step} when given). Found by ServiceLoader on the test class path; inert
 * without the variable.
 */
public final class PauseInSave implements SaveListener {
    public static final String VARIABLE = "PLSC_TEST_PAUSE_IN_SAVE";

    @Override
    public void beforePublish(long step, Path partial) {
        String hook = System.getenv(VARIABLE);
        if (hook == null || hook.isBlank()) {
            return;
        }
        String[] parts = hook.trim().split("@");
        long millis = Long.parseLong(parts[0]);
        if (parts.length == 2 && Long.parseLong(parts[1]) != step) {
            return;
        }
        System.err.println(VARIABLE + ": pausing " + millis + " ms in the save of step " + step + " before publishing it");
        System.err.flush();
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
