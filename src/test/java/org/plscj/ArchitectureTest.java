package org.plscj;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The house rules a compiler does not check, read from the sources: packages never depend on each other in both
 * directions, every package says what it owns, and production code has no test switches.
 */
class ArchitectureTest {
    private static final Path MAIN = Path.of("src/main/java/org/plscj");
    private static final Pattern REFERENCE = Pattern.compile("\\borg\\.plscj\\.(\\w+)\\.");
    private static final Pattern COMMENTS = Pattern.compile("/\\*.*?\\*/|//[^\\n]*", Pattern.DOTALL);

    /** Package → the other packages its code (not its comments) names. */
    private static Map<String, Set<String>> dependencies() throws IOException {
        Map<String, Set<String>> deps = new TreeMap<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String pkg = MAIN.relativize(f.getParent()).toString().replace('/', '.');
                String code = COMMENTS.matcher(Files.readString(f)).replaceAll("");
                Matcher m = REFERENCE.matcher(code);
                Set<String> mine = deps.computeIfAbsent(pkg, k -> new TreeSet<>());
                while (m.find()) {
                    if (!m.group(1).equals(pkg)) {
                        mine.add(m.group(1));
                    }
                }
            }
        }
        return deps;
    }

    @Test
    void noTwoPackagesDependOnEachOther() throws IOException {
        Map<String, Set<String>> deps = dependencies();
        List<String> cycles = new ArrayList<>();
        deps.forEach((a, targets) -> targets.stream().filter(b -> a.compareTo(b) < 0 && deps.getOrDefault(b, Set.of()).contains(a))
                .forEach(b -> cycles.add(a + " ↔ " + b)));
        assertEquals(List.of(), cycles, "packages that import each other");
    }

    @Test
    void everyPackageSaysWhatItOwns() throws IOException {
        List<String> missing = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(MAIN)) {
            for (Path d : dirs.filter(Files::isDirectory).sorted().toList()) {
                if (!Files.isRegularFile(d.resolve("package-info.java"))) {
                    missing.add(d.getFileName().toString());
                }
            }
        }
        assertEquals(List.of(), missing, "packages without a package-info.java");
    }

    /** "file: match" for every match of {@code pattern} in the code (not the comments) of src/main outside {@code except}. */
    private static List<String> matches(Pattern pattern, String except) throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java") && (except == null || !p.startsWith(MAIN.resolve(except))))
                    .toList()) {
                Matcher m = pattern.matcher(COMMENTS.matcher(Files.readString(f)).replaceAll(""));
                while (m.find()) {
                    found.add(MAIN.relativize(f) + ": " + m.group());
                }
            }
        }
        return found;
    }

    @Test
    void productionCodeHasNoTestSwitches() throws IOException {
        List<String> found = matches(Pattern.compile("\"[^\"]*(?:_TEST|TEST_)[^\"]*\""), null);
        assertTrue(found.isEmpty(), "string constants naming test switches in src/main: " + found);
    }

    @Test
    void onlyTheTensorFacadeTouchesJavaCppsMemoryTypes() throws IOException {
        // why: scopes, reference counts and raw pointers decide whether a tensor leaks or is used after it is freed; a
        // mistake is a SIGSEGV, not a compile error, so those rules live in one package (tensor.Scoped and friends)
        assertEquals(List.of(), matches(Pattern.compile("org\\.bytedeco\\.javacpp\\.\\w+"), "tensor"),
                "org.bytedeco.javacpp named outside tensor/");
    }

    @Test
    void javaArraysBecomeTensorsAndBackOnlyThroughTheFacade() throws IOException {
        // why: one copy path (Tensors.floats/doubles/longs, toFloatArray/copyInto/…) checks lengths and shapes once; raw
        // data_ptr reads and writes elsewhere overrun silently
        Pattern raw = Pattern.compile("\\bTensor\\.create\\(|\\.data_ptr(_\\w+)?\\(|\\.scalar_type\\(\\)\\.intern\\(");
        assertEquals(List.of(), matches(raw, "tensor"), "array/tensor copies or dtype reads outside tensor/");
    }
}
