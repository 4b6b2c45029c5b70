package org.plscj.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code plsc --version} names every version a bug report needs; {@code plsc completion} prints a bash script for every command. */
class VersionAndCompletionTest {
    private record Run(int exit, String out) {}

    private static Run plsc(String... args) {
        CommandLine cl = Plsc.commandLine();
        StringWriter out = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(new StringWriter()));
        return new Run(cl.execute(args), out.toString());
    }

    @Test
    void versionNamesPlscLibtorchJavaCppOpenBlasTheCpuFeaturesAndTheAllocator() {
        Run r = plsc("--version");
        assertEquals(0, r.exit, r.out);
        Map<String, String> lines = r.out.lines().filter(l -> l.contains(": ")).collect(Collectors.toMap(
                l -> l.substring(0, l.indexOf(": ")), l -> l.substring(l.indexOf(": ") + 2).trim(), (a, b) -> a));
        for (String key : List.of("libtorch", "JavaCPP", "OpenBLAS", "CPU features for oneDNN", "allocator")) {
            assertTrue(lines.containsKey(key), key + " missing from\n" + r.out);
            assertFalse(lines.get(key).isEmpty() || lines.get(key).startsWith("unknown"), key + " is empty or unknown in\n" + r.out);
        }
        // the versions are read from the jars on the class path, the project's from the pom through resource filtering
        String first = r.out.lines().findFirst().orElse("");
        assertTrue(first.matches("plsc \\d+\\.\\d+\\.\\d+\\S* \\(PLSC-J\\)"), first);
        assertTrue(lines.get("libtorch").matches("\\d+\\.\\d+\\.\\d+ \\(JavaCPP presets \\d+\\.\\d+\\.\\d+-\\d+\\.\\d+\\.\\d+\\)"), lines.get("libtorch"));
        assertTrue(lines.get("JavaCPP").matches("\\d+\\.\\d+\\.\\d+\\S*"), lines.get("JavaCPP"));
        assertTrue(lines.get("libtorch").endsWith("-" + lines.get("JavaCPP") + ")"), "the presets are built for the JavaCPP on the class path:\n" + r.out);
        assertTrue(List.of("glibc", "jemalloc", "tcmalloc").contains(lines.get("allocator").split(" ")[0]), lines.get("allocator"));
    }

    @Test
    void completionPrintsABashScriptCompletingTheSubcommands() {
        Run r = plsc("completion");
        assertEquals(0, r.exit);
        assertTrue(r.out.startsWith("#!/usr/bin/env bash"), r.out.lines().findFirst().orElse(""));
        assertTrue(r.out.contains("complete -F"), "registers a completion function with bash");
        for (String command : List.of("train", "serve", "eval", "launch", "completion")) {
            assertTrue(r.out.contains(command), command + " not completed");
        }
        // options of a subcommand are completed too
        assertTrue(r.out.contains("--model"), "serve's --model not completed");
    }
}
