package org.plscj.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** plsc train refuses what it cannot do instead of ignoring it. */
class TrainCommandTest {
    @Test
    void aDeviceOtherThanTheCpuIsRefusedNotIgnored() {
        StringWriter err = new StringWriter();
        int exit = Plsc.commandLine().setErr(new PrintWriter(err)).execute("train", "--device", "cuda", "train_steps=1");
        assertEquals(Plsc.BAD_INPUT, exit, err.toString());
        assertTrue(err.toString().contains("--device cuda: plsc train runs on the CPU only"), err.toString());
    }
}
