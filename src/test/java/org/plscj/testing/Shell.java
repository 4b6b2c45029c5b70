package org.plscj.testing;

/** Runs a system command (mount, ip netns, …) for tests that build their own machines; output discarded. */
public final class Shell {
    private Shell() {}

    /** The command's exit code. */
    public static int run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor();
    }
}
