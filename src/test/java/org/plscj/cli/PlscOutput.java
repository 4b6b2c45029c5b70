package org.plscj.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** A {@code plsc} command run in this JVM with its standard output captured: its exit code and what it printed. */
record PlscOutput(int exit, String out) {
    static PlscOutput of(String... args) {
        PrintStream before = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        int exit;
        try {
            exit = Plsc.commandLine().execute(args);
        } finally {
            System.setOut(before);
        }
        return new PlscOutput(exit, bytes.toString(StandardCharsets.UTF_8));
    }

    /** What the command printed; fails the test, showing the output, when it exits non-zero. */
    static String ofSuccess(String... args) {
        PlscOutput run = of(args);
        assertEquals(0, run.exit(), run.out());
        return run.out();
    }
}
