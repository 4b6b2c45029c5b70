package org.plscj;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The docs run as written (docs/index.md, "Runnable blocks"): every {@code bash runnable} block of a page, joined in
 * order, runs under {@code bash -euo pipefail} in an empty directory with the checkout's {@code plsc} first on the
 * PATH, its {@code java file=NAME} blocks written beside it, and small sizes in the variables the pages use.
 */
class DocsTest {
    private static final Path DOCS = Path.of("docs");
    private static final Pattern FENCE = Pattern.compile("^```(.*)$");
    private static final Pattern JAVA_FILE = Pattern.compile("java file=([A-Za-z0-9_]+\\.java)");
    /** The sizes the pages take from variables, at a scale where each page runs in seconds. */
    private static final Map<String, String> SMALL = Map.of("IDENTITIES", "40", "VIEWS", "6", "HELD_OUT", "5", "PAIRS", "40",
            "STEPS", "8");
    private static final long PAGE_TIMEOUT_S = 300;

    @TempDir
    Path work;

    /** A page's runnable shell blocks (with the line each starts on) and the files its java blocks name. */
    record Page(Path file, List<Block> blocks, Map<String, String> files) {}

    record Block(int line, String text) {}

    static Page parse(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file);
        List<Block> blocks = new ArrayList<>();
        Map<String, String> files = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            Matcher open = FENCE.matcher(lines.get(i));
            if (!open.matches()) {
                continue;
            }
            String info = open.group(1).trim();
            int start = i;
            StringBuilder body = new StringBuilder();
            for (i++; i < lines.size() && !lines.get(i).equals("```"); i++) {
                body.append(lines.get(i)).append('\n');
            }
            assertTrue(i < lines.size(), file + " line " + (start + 1) + ": the block is never closed");
            Matcher java = JAVA_FILE.matcher(info);
            if (info.equals("bash runnable")) {
                blocks.add(new Block(start + 1, body.toString()));
            } else if (java.matches()) {
                assertFalse(files.containsKey(java.group(1)), file + " names " + java.group(1) + " twice");
                files.put(java.group(1), body.toString());
            } else {
                assertFalse(info.contains("runnable"), file + " line " + (start + 1) + ": '" + info
                        + "' is not a runnable marker; write 'bash runnable'");
            }
        }
        return new Page(file, blocks, files);
    }

    @TestFactory
    Stream<DynamicTest> everyRunnableBlockOfEveryPageRuns() throws IOException {
        List<Page> pages = new ArrayList<>();
        try (Stream<Path> files = Files.list(DOCS)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".md")).sorted().toList()) {
                Page page = parse(file);
                if (!page.blocks().isEmpty()) {
                    pages.add(page);
                }
            }
        }
        assertFalse(pages.isEmpty(), "no runnable blocks under " + DOCS.toAbsolutePath());
        // why: the plsc script builds (mvn package) when a source is newer than its stamp target/classpath.txt, which
        // only the script touches; Maven compiled the sources before this test phase, so a build inside the test
        // would repeat it, at best
        Files.setLastModifiedTime(Path.of("target", "classpath.txt"), FileTime.from(Instant.now()));
        return pages.stream().map(page -> DynamicTest.dynamicTest(page.file().toString(), () -> run(page)));
    }

    private void run(Page page) throws Exception {
        String name = page.file().getFileName().toString().replace(".md", "");
        Path dir = Files.createDirectory(work.resolve(name));
        Path bin = Files.createDirectory(work.resolve(name + "-bin"));
        Files.createSymbolicLink(bin.resolve("plsc"), Path.of("plsc").toAbsolutePath());
        for (Map.Entry<String, String> file : page.files().entrySet()) {
            Files.writeString(dir.resolve(file.getKey()), file.getValue());
        }
        StringBuilder script = new StringBuilder();
        for (int i = 0; i < page.blocks().size(); i++) {
            Block block = page.blocks().get(i);
            script.append("echo '### ").append(page.file()).append(" block ").append(i + 1).append(" (line ")
                    .append(block.line()).append(")' >&2\n").append(block.text());
        }
        Path log = work.resolve(name + ".log");
        ProcessBuilder pb = new ProcessBuilder("bash", "-euo", "pipefail", "-c", script.toString()).directory(dir.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile()).redirectInput(new File("/dev/null"));
        pb.environment().putAll(SMALL);
        pb.environment().put("PORT", Integer.toString(freePort()));
        pb.environment().put("MASTER_PORT", Integer.toString(freePort()));
        pb.environment().put("PATH", bin.toAbsolutePath() + File.pathSeparator + System.getenv("PATH"));
        Process bash = pb.start();
        if (!bash.waitFor(PAGE_TIMEOUT_S, TimeUnit.SECONDS)) {
            bash.descendants().forEach(ProcessHandle::destroyForcibly);
            bash.destroyForcibly();
            fail(page.file() + " did not finish within " + PAGE_TIMEOUT_S + " s; output:\n" + tail(log));
        }
        assertEquals(0, bash.exitValue(), page.file() + ": a runnable block failed (the last '###' line names it); output:\n" + tail(log));
    }

    @Test
    void readmePointsToTheDocsAndTheIndexLinksEveryPage() throws IOException {
        assertTrue(Files.readString(Path.of("README.md")).contains("(docs/index.md)"), "README links docs/index.md");
        String index = Files.readString(DOCS.resolve("index.md"));
        try (Stream<Path> files = Files.list(DOCS)) {
            for (Path page : files.filter(f -> f.toString().endsWith(".md")).toList()) {
                String name = page.getFileName().toString();
                assertTrue(name.equals("index.md") || index.contains("(" + name + ")"), "docs/index.md links " + name);
            }
        }
    }

    @Test
    void everyRelativeLinkOfTheDocsReachesAFileAndHeading() throws IOException {
        Pattern link = Pattern.compile("\\]\\(([^)#\\s]*)(?:#([^)\\s]+))?\\)");
        List<String> broken = new ArrayList<>();
        try (Stream<Path> files = Files.list(DOCS)) {
            for (Path page : files.filter(f -> f.toString().endsWith(".md")).sorted().toList()) {
                Matcher m = link.matcher(Files.readString(page));
                while (m.find()) {
                    String target = m.group(1);
                    if (target.contains("://")) {
                        continue;
                    }
                    Path file = target.isEmpty() ? page : page.resolveSibling(target).normalize();
                    if (!Files.exists(file)) {
                        broken.add(page + ": " + m.group() + " (no file " + file + ")");
                    } else if (m.group(2) != null && !headingSlugs(file).contains(m.group(2))) {
                        broken.add(page + ": " + m.group() + " (no heading #" + m.group(2) + " in " + file + ")");
                    }
                }
            }
        }
        assertEquals(List.of(), broken);
    }

    /** GitHub's anchors of a Markdown file's headings: lower case, punctuation dropped, spaces as hyphens. */
    private static List<String> headingSlugs(Path file) throws IOException {
        return Files.readAllLines(file).stream().filter(l -> l.startsWith("#"))
                .map(l -> l.replaceFirst("^#+\\s*", "").toLowerCase(Locale.ROOT)
                        .replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-'))
                .toList();
    }

    @Test
    void aBlockMarkedAlmostRunnableIsRefusedRatherThanSkipped(@TempDir Path dir) throws IOException {
        Path page = dir.resolve("page.md");
        Files.writeString(page, "text\n\n```sh runnable\nplsc --help\n```\n");
        AssertionError e = assertThrows(AssertionError.class, () -> parse(page));
        assertTrue(e.getMessage().contains("line 3") && e.getMessage().contains("bash runnable"), e.getMessage());
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 120), lines.size()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
