package org.plscj.checkpoint;

import java.nio.file.Path;

/**
 * Told about every checkpoint save, on the workers that publish one: found through {@link java.util.ServiceLoader}
 * ({@code META-INF/services/org.plscj.checkpoint.SaveListener}), so a deployment can add one (notify a scheduler,
 * snapshot a volume) without touching the trainer. The crash tests use one to stop a run inside a save.
 */
public interface SaveListener {
    /**
     * Every file of the checkpoint of {@code step} is written into {@code partial}; its manifest is not yet, so a crash
     * now leaves the previous checkpoint the newest. Runs on the training thread: a slow listener delays training.
     */
    void beforePublish(long step, Path partial);
}
