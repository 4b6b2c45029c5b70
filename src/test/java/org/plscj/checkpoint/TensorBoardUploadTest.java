package org.plscj.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.plscj.testing.TinyRun;
import org.plscj.train.TrainConfig;

/** A remote model_save_dir gets the run's TensorBoard event files too, uploaded at each checkpoint. */
class TensorBoardUploadTest {
    @TempDir
    Path tmp;

    private static List<Path> files(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(Path::getFileName).sorted().toList();
        }
    }

    @Test
    void theRemoteTbDirectoryHoldsTheSameEventFilesAsTheLocalOneAfterTheRun() throws Exception {
        Path data = tmp.resolve("data");
        TinyRun.writeData(data);
        Path remoteDir = tmp.resolve("remote");
        String remote = "fake://" + remoteDir.toAbsolutePath();
        Path staging = tmp.resolve("staging");
        TrainConfig config = TinyRun.config(data, Path.of("unused"), "model_save_dir=" + remote, "local_save_dir=" + staging,
                "save_steps=2");
        TinyRun.train(config, false);
        // a resumed run appends to a new event file, which is uploaded beside the first
        TinyRun.train(TinyRun.config(data, Path.of("unused"), "model_save_dir=" + remote, "local_save_dir=" + staging,
                "save_steps=2", "train_steps=8"), true);

        Path localTb = staging.resolve("tb");
        Path remoteTb = remoteDir.resolve("tb");
        assertEquals(2, files(localTb).size(), files(localTb).toString());
        assertEquals(files(localTb), files(remoteTb), "every event file, no partial left");
        for (Path name : files(localTb)) {
            // why whole files: the last step's events are written before its checkpoint, and nothing after it
            assertArrayEquals(Files.readAllBytes(localTb.resolve(name)), Files.readAllBytes(remoteTb.resolve(name)), name.toString());
        }
    }
}
