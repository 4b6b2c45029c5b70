package org.plscj.head;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.plscj.comm.LocalLauncher;
import org.plscj.testing.Jvm;

/**
 * Bad input on one worker must give every worker the same clear error, not a hang: exit 2 for unusable
 * inputs, 4 for non-finite embeddings (a diverged run, not a bad file).
 */
class BadInputAcrossWorkersTest {
    @ParameterizedTest(name = "{0} on rank {1}")
    @CsvSource(delimiter = '|', value = {
        "labels | 1 | 3001 | 2 | label 3006 of row 3 on rank 1 is outside [0, num_classes=3001)",
        "nan    | 0 | 3001 | 4 | embedding row 1 on rank 0 is not finite (NaN or Inf)",
        "batch  | 1 | 3001 | 2 | every worker must pass embeddings of the same shape [B, emb_dim=64]; got rank 0: [8, 64], rank 1: [7, 64]",
        "none   | -1 | 1   | 2 | num_classes (1) must be at least the world size (2)",
    })
    void everyWorkerReportsTheSameError(String kind, int badRank, String classes, int exitCode, String expected) throws Exception {
        int port = LocalLauncher.freePort();
        List<Jvm.Running> ws = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            ws.add(Jvm.start("org.plscj.testing.StepLoopWorker", Jvm.workerEnv(r, 2, port),
                    List.of(classes, "5", "60", kind, Integer.toString(badRank))));
        }
        for (Jvm.Running w : ws) {
            int code = w.waitFor(90);
            assertEquals(exitCode, code, w.output());
            assertTrue(w.output().contains(expected), "expected '" + expected + "' in:\n" + w.output());
        }
    }
}
