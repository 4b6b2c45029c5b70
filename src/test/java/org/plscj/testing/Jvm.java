package org.plscj.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** Starts separate JVMs on the project's class path (workers, the launcher) and collects their output. */
public final class Jvm {
    private Jvm() {}

    /** A running JVM whose output lines are collected as they arrive. */
    public static final class Running {
        public final Process process;
        public final List<String> lines = new CopyOnWriteArrayList<>();
        private final Thread pump;

        Running(Process process) {
            this.process = process;
            this.pump = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        lines.add(line);
                    }
                } catch (IOException ignored) {
                    // process ended
                }
            });
            pump.setDaemon(true);
            pump.start();
        }

        /** Waits for the exit; returns the exit code, or throws if it runs past the limit (and kills it). */
        public int waitFor(long seconds) throws InterruptedException {
            if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw new AssertionError("process did not exit within " + seconds + " s; output:\n" + output());
            }
            pump.join(5000);
            return process.exitValue();
        }

        /** Waits until a line containing {@code text} appears. */
        public void awaitLine(String text, long seconds) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (System.nanoTime() < deadline) {
                if (lines.stream().anyMatch(l -> l.contains(text))) {
                    return;
                }
                if (!process.isAlive() && !pump.isAlive()) {
                    break;
                }
                Thread.sleep(50);
            }
            throw new AssertionError("no line containing '" + text + "' within " + seconds + " s; output:\n" + output());
        }

        public String output() {
            return String.join("\n", lines);
        }
    }

    /** The project's runtime class path with the test classes first. */
    public static String classPath() {
        try {
            String deps = Files.readString(Path.of("target", "classpath.txt")).trim();
            return Path.of("target", "test-classes").toAbsolutePath() + ":" + Path.of("target", "classes").toAbsolutePath() + ":" + deps;
        } catch (IOException e) {
            throw new UncheckedIOException("target/classpath.txt is written by the Maven build (generate-resources)", e);
        }
    }

    /** Starts {@code mainClass args} in a new JVM with extra environment variables. */
    public static Running start(String mainClass, Map<String, String> env, List<String> args) {
        return startUnder(List.of(), mainClass, env, args);
    }

    /** As {@link #start}, the JVM run by {@code wrapper} (e.g. {@code ip netns exec ns0}). */
    public static Running startUnder(List<String> wrapper, String mainClass, Map<String, String> env, List<String> args) {
        List<String> cmd = new ArrayList<>(wrapper);
        cmd.addAll(List.of(
                ProcessHandle.current().info().command().orElse("java"),
                "-Xmx1g", "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0", "-Dorg.bytedeco.javacpp.maxBytes=0",
                "-Dorg.bytedeco.javacpp.cachedir=" + System.getProperty("org.bytedeco.javacpp.cachedir",
                        System.getProperty("user.home") + "/.cache/plsc-javacpp"),
                "-cp", classPath(), mainClass));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        try {
            return new Running(pb.start());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs {@code plsc args} in a new JVM. */
    public static Running plsc(List<String> args) {
        return start("org.plscj.cli.Plsc", Map.of(), args);
    }

    /** The torchrun variables of one worker. */
    public static Map<String, String> workerEnv(int rank, int world, int port) {
        return Map.of("MASTER_ADDR", "127.0.0.1", "MASTER_PORT", Integer.toString(port), "WORLD_SIZE", Integer.toString(world),
                "RANK", Integer.toString(rank), "LOCAL_RANK", Integer.toString(rank), "LOCAL_WORLD_SIZE", Integer.toString(world),
                "OPENBLAS_NUM_THREADS", "1");
    }
}
