package org.plscj.train;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.stream.Stream;
import org.plscj.eval.VerificationReport;
import org.plscj.io.FileTrees;

/**
 * best_target: keeps a copy of the checkpoint that scored the highest accuracy on one verification
 * target in {@code <model_save_dir>/best/}, with {@code best.json} naming its step and accuracy.
 * {@code best/} is itself a checkpoint directory ({@code plsc eval --model <dir>/best}, checkpoint_dir).
 *
 * <p>Replacing it: the copy is built in {@code .best.partial/}, then the old {@code best/} is renamed
 * to {@code .best.old/}, the new one renamed into place, and the old one deleted. Each rename is
 * atomic; a crash between the two leaves the previous best complete in {@code .best.old/}.
 * Every rank decides {@link #improves} on the same gathered reports; only rank 0 calls {@link #keep}.
 */
final class BestCheckpoint {
    static final String DIRECTORY = "best";
    static final String FILE = "best.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path saveDir;
    private final String target;
    private double bestAccuracy = Double.NEGATIVE_INFINITY;

    /** What {@code best/best.json} holds. */
    record Record(@JsonProperty("target") String target, @JsonProperty("step") long step,
            @JsonProperty("accuracy") double accuracy) {}

    private BestCheckpoint(Path saveDir, String target) {
        this.saveDir = saveDir;
        this.target = target;
    }

    /**
     * @param resumedStep the step a run resumed from in this model_save_dir continues at: it must beat the
     *     best kept up to then; 0 for a fresh run (also one started from another run's checkpoint_dir),
     *     which starts from nothing and overwrites a stale {@code best/}
     */
    static BestCheckpoint open(Path saveDir, String target, long resumedStep) throws IOException {
        BestCheckpoint best = new BestCheckpoint(saveDir, target);
        Path file = saveDir.resolve(DIRECTORY).resolve(FILE);
        if (resumedStep > 0 && Files.isRegularFile(file)) {
            Record kept = JSON.readValue(file.toFile(), Record.class);
            // why the step check: a best saved after the resumed checkpoint belongs to the interrupted future
            if (target.equals(kept.target()) && kept.step() <= resumedStep) {
                best.bestAccuracy = kept.accuracy();
            }
        }
        return best;
    }

    /** Whether this test includes the target and beats every earlier result; if so it becomes the best. */
    boolean improves(Map<String, VerificationReport> tested) {
        VerificationReport report = tested.get(target);
        if (report == null || !(report.accuracy() > bestAccuracy)) {
            return false;
        }
        bestAccuracy = report.accuracy();
        return true;
    }

    /** Copies {@code checkpoint} (a flat step directory) to {@code best/} with {@code best.json}; rank 0 only. */
    void keep(Path checkpoint, long step) throws IOException {
        Path partial = saveDir.resolve("." + DIRECTORY + ".partial");
        Path old = saveDir.resolve("." + DIRECTORY + ".old");
        Path best = saveDir.resolve(DIRECTORY);
        FileTrees.deleteRecursively(partial);
        Files.createDirectories(partial);
        try (Stream<Path> files = Files.list(checkpoint)) {
            for (Path f : files.toList()) {
                Files.copy(f, partial.resolve(f.getFileName()));
                FileTrees.force(partial.resolve(f.getFileName()));
            }
        }
        Files.write(partial.resolve(FILE), JSON.writeValueAsBytes(new Record(target, step, bestAccuracy)));
        FileTrees.force(partial.resolve(FILE));
        FileTrees.force(partial);
        FileTrees.deleteRecursively(old);
        if (Files.exists(best)) {
            Files.move(best, old, StandardCopyOption.ATOMIC_MOVE);
        }
        Files.move(partial, best, StandardCopyOption.ATOMIC_MOVE);
        FileTrees.force(saveDir);
        FileTrees.deleteRecursively(old);
    }


}
