package org.plscj.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.plscj.bench.HostFacts;
import org.plscj.tensor.CpuFeatures;
import org.plscj.tensor.NativeVersions;
import picocli.CommandLine.IVersionProvider;

/**
 * What {@code plsc --version} prints: PLSC-J's version, the native stack's versions, the CPU features oneDNN can use
 * and the preloaded allocator (the facts a bug report or a benchmark needs). Loads no native library.
 */
final class PlscVersion implements IVersionProvider {
    /** Written by Maven's resource filtering from the pom's version. */
    private static final String RESOURCE = "version.properties";

    @Override
    public String[] getVersion() {
        NativeVersions natives = NativeVersions.current();
        List<String> flags = CpuFeatures.current().oneDnnFlags();
        List<String> lines = new ArrayList<>();
        lines.add("plsc " + plscVersion() + " (PLSC-J)");
        lines.add("libtorch: " + NativeVersions.library(natives.pytorch()) + " (JavaCPP presets " + natives.pytorch() + ")");
        lines.add("JavaCPP: " + natives.javacpp());
        lines.add("OpenBLAS: " + NativeVersions.library(natives.openblas()) + " (JavaCPP presets " + natives.openblas() + ")");
        lines.add("CPU features for oneDNN: " + (flags.isEmpty() ? "unknown (no /proc/cpuinfo flags)" : String.join(" ", flags)));
        lines.add("allocator: " + HostFacts.current().allocator() + " (preloaded through LD_PRELOAD; glibc when none)");
        lines.add("Java: " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")");
        return lines.toArray(String[]::new);
    }

    static String plscVersion() {
        try (InputStream in = PlscVersion.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE + " from the plsc jar", e);
        }
    }
}
